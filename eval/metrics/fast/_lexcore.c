/*
 * Compiled core of the fast lexical metrics: sacreBLEU 2.6's TER, chrF and BLEU
 * sufficient statistics, step for step, on integer-coded segments.
 *
 * Python packs each side of a test set as CSR arrays (int32 symbols, int64
 * offsets): word ids for TER/BLEU/chrF++ words, Unicode code points for chrF
 * characters.  Every function here reads those buffers with the GIL released.
 * Exactness notes live next to the code they concern; docs/FAST_METRICS.md
 * explains the whole argument.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Buffers                                                                   */
/* ------------------------------------------------------------------------ */

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, int writable, const char *what)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes, got %zd", what, itemsize, view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* A CSR-packed stream of segments: symbols and offsets (n_segments + 1). */
typedef struct {
    Py_buffer sym_view, off_view;
    const int32_t *sym;
    const int64_t *off;
    Py_ssize_t n_seg;
} Stream;

static int stream_open(Stream *s, PyObject *sym, PyObject *off, const char *what)
{
    if (get_buffer(sym, &s->sym_view, 4, 0, what) < 0)
        return -1;
    if (get_buffer(off, &s->off_view, 8, 0, what) < 0) {
        PyBuffer_Release(&s->sym_view);
        return -1;
    }
    s->sym = (const int32_t *)s->sym_view.buf;
    s->off = (const int64_t *)s->off_view.buf;
    s->n_seg = s->off_view.len / 8 - 1;
    if (s->n_seg < 0) {
        PyErr_Format(PyExc_ValueError, "%s: empty offsets array", what);
        PyBuffer_Release(&s->sym_view);
        PyBuffer_Release(&s->off_view);
        return -1;
    }
    return 0;
}

static void stream_close(Stream *s)
{
    PyBuffer_Release(&s->sym_view);
    PyBuffer_Release(&s->off_view);
}

/* ------------------------------------------------------------------------ */
/* TER (sacrebleu/metrics/lib_ter.py)                                        */
/* ------------------------------------------------------------------------ */

/* sacreBLEU's infinity is 1e16; any value above every finite cost (at most
 * n + m) compares the same way, and INF + 1 still fits in int32. */
#define TER_INF 1000000000
#define MAX_SHIFT_SIZE 10
#define MAX_SHIFT_DIST 50
#define BEAM_WIDTH 25
#define MAX_SHIFT_CANDIDATES 1000

enum { OP_NOP = 0, OP_SUB = 1, OP_INS = 2, OP_DEL = 3, OP_UNDEF = 4 };

typedef struct {
    int start, length, target;
} Shift;

typedef struct {
    int n, m, beam;
    double ratio;
    const int32_t *ref;
    /* band of every DP row of the current hypothesis, and its cells */
    int *lo, *hi;
    int64_t *row_off;
    int32_t *cost;
    uint8_t *op;
    int64_t cell_cap;
    /* alignment of the current hypothesis */
    uint8_t *trace;
    int *align;     /* per reference position: hypothesis position (-1 allowed) */
    int *hyp_err_sum, *ref_err_sum;  /* prefix sums of the error flags */
    /* scratch */
    int32_t *row_a, *row_b;
    int32_t *shifted;
    Shift *cands;
} TerWork;

/* The band [lo, hi) of row i: sacreBLEU's beam around the pseudo-diagonal. */
static void ter_band(const TerWork *w, int i, int *lo, int *hi)
{
    if (i == 0) {
        *lo = 0;
        *hi = w->m + 1;
        return;
    }
    long pd = (long)floor((double)i * w->ratio);
    long a = pd - w->beam, b = pd + w->beam;
    if (a < 0) a = 0;
    if (b > w->m + 1) b = w->m + 1;
    if (i == w->n) b = w->m + 1;
    if (b < a) b = a;
    *lo = (int)a;
    *hi = (int)b;
}

/* One DP row.  Cells outside the previous row's band read as infinity, and
 * the operations are tried in sacreBLEU's order (substitution/match,
 * deletion, insertion) keeping the first strictly cheaper one. */
static inline void ter_row(const int32_t *prev, int plo, int phi, int32_t *cur, uint8_t *cur_op,
                           int lo, int hi, int32_t word, const int32_t *ref)
{
    for (int j = lo; j < hi; j++) {
        int32_t c;
        uint8_t o;
        if (j == 0) {
            c = ((0 >= plo && 0 < phi) ? prev[0 - plo] : TER_INF) + 1;
            o = OP_DEL;
        } else {
            int match = word == ref[j - 1];
            int32_t diag = (j - 1 >= plo && j - 1 < phi) ? prev[j - 1 - plo] : TER_INF;
            int32_t up = (j >= plo && j < phi) ? prev[j - plo] : TER_INF;
            int32_t left = (j - 1 >= lo) ? cur[j - 1 - lo] : TER_INF;
            int32_t v;
            c = TER_INF;
            o = OP_UNDEF;
            v = diag + (match ? 0 : 1);
            if (c > v) { c = v; o = match ? OP_NOP : OP_SUB; }
            v = up + 1;
            if (c > v) { c = v; o = OP_DEL; }
            v = left + 1;
            if (c > v) { c = v; o = OP_INS; }
        }
        cur[j - lo] = c;
        if (cur_op)
            cur_op[j - lo] = o;
    }
}

static int ter_work_init(TerWork *w, int n, int m, const int32_t *ref)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->m = m;
    w->ref = ref;
    w->ratio = n > 0 ? (double)m / (double)n : 1.0;
    w->beam = BEAM_WIDTH;
    if (BEAM_WIDTH < w->ratio / 2)
        w->beam = (int)ceil(w->ratio / 2 + BEAM_WIDTH);
    w->lo = malloc(sizeof(int) * (n + 1));
    w->hi = malloc(sizeof(int) * (n + 1));
    w->row_off = malloc(sizeof(int64_t) * (n + 2));
    if (!w->lo || !w->hi || !w->row_off)
        return -1;
    int64_t total = 0;
    for (int i = 0; i <= n; i++) {
        ter_band(w, i, &w->lo[i], &w->hi[i]);
        w->row_off[i] = total;
        total += w->hi[i] - w->lo[i];
    }
    w->row_off[n + 1] = total;
    w->cell_cap = total;
    w->cost = malloc(sizeof(int32_t) * (total ? total : 1));
    w->op = malloc(total ? total : 1);
    w->trace = malloc(n + m + 1);
    w->align = malloc(sizeof(int) * (m + 1));
    w->hyp_err_sum = malloc(sizeof(int) * (n + 1));
    w->ref_err_sum = malloc(sizeof(int) * (m + 1));
    w->row_a = malloc(sizeof(int32_t) * (m + 1));
    w->row_b = malloc(sizeof(int32_t) * (m + 1));
    w->shifted = malloc(sizeof(int32_t) * (n + 1));
    w->cands = malloc(sizeof(Shift) * (MAX_SHIFT_CANDIDATES + 1));
    if (!w->cost || !w->op || !w->trace || !w->align || !w->hyp_err_sum || !w->ref_err_sum ||
        !w->row_a || !w->row_b || !w->shifted || !w->cands)
        return -1;
    return 0;
}

static void ter_work_free(TerWork *w)
{
    free(w->lo); free(w->hi); free(w->row_off); free(w->cost); free(w->op);
    free(w->trace); free(w->align); free(w->hyp_err_sum); free(w->ref_err_sum);
    free(w->row_a); free(w->row_b); free(w->shifted); free(w->cands);
}

/* Full banded DP of hypothesis h with operations, then the trace and the
 * alignment sacreBLEU derives from it.  Returns the edit distance, or -1 if
 * the trace runs into an undefined cell (sacreBLEU raises there too). */
static int64_t ter_align(TerWork *w, const int32_t *h)
{
    int n = w->n, m = w->m;
    for (int j = 0; j <= m; j++) {
        w->cost[j] = j;
        w->op[j] = OP_INS;
    }
    for (int i = 1; i <= n; i++)
        ter_row(w->cost + w->row_off[i - 1], w->lo[i - 1], w->hi[i - 1],
                w->cost + w->row_off[i], w->op + w->row_off[i], w->lo[i], w->hi[i], h[i - 1], w->ref);
    int64_t dist = w->cost[w->row_off[n] + m - w->lo[n]];

    int i = n, j = m, k = 0;
    while (i > 0 || j > 0) {
        if (j < w->lo[i] || j >= w->hi[i])
            return -1;
        uint8_t o = w->op[w->row_off[i] + j - w->lo[i]];
        w->trace[k++] = o;
        if (o == OP_NOP || o == OP_SUB) { i--; j--; }
        else if (o == OP_INS) j--;
        else if (o == OP_DEL) i--;
        else return -1;
    }
    /* Walk the trace forwards with insertions and deletions flipped, as
     * sacreBLEU's trace_to_alignment(_flip_trace(trace)) does. */
    int ph = -1, pr = -1;
    w->hyp_err_sum[0] = 0;
    w->ref_err_sum[0] = 0;
    for (int t = k - 1; t >= 0; t--) {
        uint8_t o = w->trace[t];
        if (o == OP_NOP || o == OP_SUB) {
            int err = o == OP_SUB;
            ph++; pr++;
            w->align[pr] = ph;
            w->hyp_err_sum[ph + 1] = w->hyp_err_sum[ph] + err;
            w->ref_err_sum[pr + 1] = w->ref_err_sum[pr] + err;
        } else if (o == OP_DEL) {      /* consumes a hypothesis word: flipped to an insertion */
            ph++;
            w->hyp_err_sum[ph + 1] = w->hyp_err_sum[ph] + 1;
        } else {                       /* consumes a reference word: flipped to a deletion */
            pr++;
            w->align[pr] = ph;
            w->ref_err_sum[pr + 1] = w->ref_err_sum[pr] + 1;
        }
    }
    return dist;
}

/* sacreBLEU's _perform_shift, including its clamped "shift within the
 * shifted string" case. */
static void ter_perform_shift(const int32_t *h, int n, Shift s, int32_t *out)
{
    int start = s.start, len = s.length, target = s.target, k = 0;
    if (target < start) {
        for (int x = 0; x < target; x++) out[k++] = h[x];
        for (int x = start; x < start + len; x++) out[k++] = h[x];
        for (int x = target; x < start; x++) out[k++] = h[x];
        for (int x = start + len; x < n; x++) out[k++] = h[x];
    } else if (target > start + len) {
        for (int x = 0; x < start; x++) out[k++] = h[x];
        for (int x = start + len; x < target; x++) out[k++] = h[x];
        for (int x = start; x < start + len; x++) out[k++] = h[x];
        for (int x = target; x < n; x++) out[k++] = h[x];
    } else {
        int mid = len + target < n ? len + target : n;
        for (int x = 0; x < start; x++) out[k++] = h[x];
        for (int x = start + len; x < mid; x++) out[k++] = h[x];
        for (int x = start; x < start + len; x++) out[k++] = h[x];
        for (int x = mid; x < n; x++) out[k++] = h[x];
    }
}

/* Shift candidates of one round, in sacreBLEU's order (_shift and
 * _find_shifted_pairs).  Returns how many, or -1 once the running total
 * reaches MAX_SHIFT_CANDIDATES: sacreBLEU then discards the round. */
static int ter_candidates(TerWork *w, const int32_t *h, int checked)
{
    int n = w->n, m = w->m, count = 0;
    const int32_t *r = w->ref;
    for (int sh = 0; sh < n; sh++) {
        /* a block of at most MAX_SHIFT_SIZE words starting here must contain a
         * hypothesis error to pass the first filter: skip error-free stretches */
        int reach = sh + MAX_SHIFT_SIZE < n ? sh + MAX_SHIFT_SIZE : n;
        if (w->hyp_err_sum[reach] == w->hyp_err_sum[sh])
            continue;
        int r_lo = sh - MAX_SHIFT_DIST < 0 ? 0 : sh - MAX_SHIFT_DIST;
        int r_hi = sh + MAX_SHIFT_DIST > m - 1 ? m - 1 : sh + MAX_SHIFT_DIST;
        for (int sr = r_lo; sr <= r_hi; sr++) {
            int len = 0;
            while (len < MAX_SHIFT_SIZE && h[sh + len] == r[sr + len]) {
                len++;
                if (w->hyp_err_sum[sh + len] - w->hyp_err_sum[sh] != 0 &&
                    w->ref_err_sum[sr + len] - w->ref_err_sum[sr] != 0 &&
                    !(sh <= w->align[sr] && w->align[sr] < sh + len)) {
                    int prev_idx = -1;
                    for (int off = -1; off < len; off++) {
                        int idx = sr + off == -1 ? 0 : w->align[sr + off] + 1;
                        if (idx == prev_idx)
                            continue;
                        prev_idx = idx;
                        w->cands[count].start = sh;
                        w->cands[count].length = len;
                        w->cands[count].target = idx;
                        count++;
                        if (checked + count >= MAX_SHIFT_CANDIDATES)
                            return -1;
                    }
                }
                if (sh + len == n || sr + len == m)
                    break;
            }
        }
    }
    return count;
}

/* sacreBLEU ranks candidates by (gain, length, -start, -target); equal keys
 * mean the same shifted hypothesis, so the maximum is order-independent. */
static int key_less(int64_t gain, Shift s, int64_t best_gain, Shift b)
{
    if (gain != best_gain) return gain < best_gain;
    if (s.length != b.length) return s.length < b.length;
    if (s.start != b.start) return s.start > b.start;
    return s.target > b.target;
}

/* Exact edit distance of a shifted hypothesis, or a flag that it cannot beat
 * the best candidate so far.  Rows before the first changed word equal the
 * current hypothesis's rows (that is all sacreBLEU's prefix cache reuses);
 * after the last changed word, a row that equals the stored row plus a
 * constant c stays so to the end, giving distance base + c. */
static int ter_candidate_cost(TerWork *w, const int32_t *s, int first, int last_end, int64_t base,
                              int have_best, int64_t best_gain, Shift cand, Shift best, int64_t *out)
{
    int n = w->n, m = w->m;
    const int32_t *prev = w->cost + w->row_off[first];
    int plo = w->lo[first], phi = w->hi[first];
    int32_t *bufs[2] = {w->row_a, w->row_b};
    int flip = 0;
    for (int i = first + 1; i <= n; i++) {
        int lo = w->lo[i], hi = w->hi[i];
        int32_t *cur = bufs[flip];
        flip ^= 1;
        ter_row(prev, plo, phi, cur, NULL, lo, hi, s[i - 1], w->ref);
        if (i == n)
            break;
        if (i >= last_end) {
            const int32_t *stored = w->cost + w->row_off[i];
            int same = 1;
            int64_t c = 0;
            int seen = 0;
            for (int j = 0; j < hi - lo; j++) {
                int32_t a = cur[j], b = stored[j];
                if (a >= TER_INF || b >= TER_INF) {
                    if (a != b) { same = 0; break; }
                    continue;
                }
                if (!seen) { c = (int64_t)a - b; seen = 1; }
                else if ((int64_t)a - b != c) { same = 0; break; }
            }
            if (same) {
                *out = base + c;
                return 0;
            }
        }
        if (have_best) {
            int64_t lb = INT64_MAX;
            for (int j = lo; j < hi; j++) {
                int64_t v = cur[j - lo];
                int64_t rest = (int64_t)(n - i) - (m - j);
                v += rest < 0 ? -rest : rest;
                if (v < lb) lb = v;
            }
            if (key_less(base - lb, cand, best_gain, best))
                return 1;
        }
        prev = cur;
        plo = lo;
        phi = hi;
    }
    int32_t *last = bufs[flip ^ 1];
    *out = last[m - w->lo[n]];
    return 0;
}

/* translation_edit_rate(): number of edits (shifts + beam edit distance). */
static int64_t ter_edits(const int32_t *hyp, int n, const int32_t *ref, int m)
{
    if (m == 0)
        return n;
    TerWork w;
    int64_t result = -1;
    memset(&w, 0, sizeof(w));
    int32_t *h = malloc(sizeof(int32_t) * (n + 1));
    if (!h || ter_work_init(&w, n, m, ref) < 0) {
        free(h);
        ter_work_free(&w);
        return -2;
    }
    memcpy(h, hyp, sizeof(int32_t) * n);
    int64_t shifts = 0;
    int checked = 0;
    for (;;) {
        int64_t base = ter_align(&w, h);
        if (base < 0)
            goto done;
        int count = ter_candidates(&w, h, checked);
        if (count <= 0) {         /* cap reached (round discarded) or nothing to try */
            result = shifts + base;
            goto done;
        }
        checked += count;
        int have_best = 0;
        int64_t best_gain = 0;
        Shift best = {0, 0, 0};
        for (int c = 0; c < count; c++) {
            Shift s = w.cands[c];
            if (have_best && s.start == best.start && s.length == best.length && s.target == best.target)
                continue;
            ter_perform_shift(h, n, s, w.shifted);
            int first = 0;
            while (first < n && w.shifted[first] == h[first]) first++;
            int64_t cost;
            if (first == n) {
                cost = base;
            } else {
                int last_end = n;
                while (last_end > first && w.shifted[last_end - 1] == h[last_end - 1]) last_end--;
                if (ter_candidate_cost(&w, w.shifted, first, last_end, base, have_best, best_gain, s, best, &cost))
                    continue;
            }
            int64_t gain = base - cost;
            if (!have_best || key_less(best_gain, best, gain, s)) {
                have_best = 1;
                best_gain = gain;
                best = s;
            }
        }
        if (best_gain <= 0) {
            result = shifts + base;
            goto done;
        }
        ter_perform_shift(h, n, best, w.shifted);
        memcpy(h, w.shifted, sizeof(int32_t) * n);
        shifts++;
    }
done:
    free(h);
    ter_work_free(&w);
    return result;
}

static PyObject *py_ter_edits(PyObject *self, PyObject *args)
{
    PyObject *hs, *ho, *rs, *ro, *out_obj;
    if (!PyArg_ParseTuple(args, "OOOOO", &hs, &ho, &rs, &ro, &out_obj))
        return NULL;
    Stream hyp, ref;
    Py_buffer out;
    if (stream_open(&hyp, hs, ho, "hypotheses") < 0)
        return NULL;
    if (stream_open(&ref, rs, ro, "references") < 0) {
        stream_close(&hyp);
        return NULL;
    }
    if (get_buffer(out_obj, &out, 8, 1, "out") < 0) {
        stream_close(&hyp);
        stream_close(&ref);
        return NULL;
    }
    int status = 0;
    if (hyp.n_seg != ref.n_seg || out.len / 8 != hyp.n_seg) {
        PyErr_SetString(PyExc_ValueError, "ter_edits: hypotheses, references and out differ in length");
        status = -1;
    } else {
        double *dst = (double *)out.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t s = 0; s < hyp.n_seg; s++) {
            int64_t e = ter_edits(hyp.sym + hyp.off[s], (int)(hyp.off[s + 1] - hyp.off[s]),
                                  ref.sym + ref.off[s], (int)(ref.off[s + 1] - ref.off[s]));
            if (e < 0) { status = (int)e; break; }
            dst[s] = (double)e;
        }
        Py_END_ALLOW_THREADS
        if (status == -2) PyErr_NoMemory();
        else if (status == -1) PyErr_SetString(PyExc_RuntimeError, "TER trace reached an undefined cell");
    }
    stream_close(&hyp);
    stream_close(&ref);
    PyBuffer_Release(&out);
    if (status < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* N-gram matching for BLEU and chrF                                         */
/* ------------------------------------------------------------------------ */

/* N-grams get dense ids by chaining: the id of an n-gram is looked up from
 * (id of its first n-1 symbols, last symbol).  Keys are exact integer pairs,
 * so there are no hash collisions to worry about. */
typedef struct {
    uint64_t key;
    int32_t id;
    uint32_t gen;
} Slot;

typedef struct {
    Slot *slots;
    size_t cap;       /* power of two */
    int shift;
    uint32_t gen;
    int32_t next_id;
    /* per-id counters, sized to the most ids a segment can create */
    int32_t *ref_count, *max_count, *used;
    int32_t *ids, *touched;
    size_t id_cap;
} NgramWork;

static void ngram_free(NgramWork *t)
{
    free(t->slots); free(t->ref_count); free(t->max_count); free(t->used); free(t->ids); free(t->touched);
    memset(t, 0, sizeof(*t));
}

/* Make room for n_ids new ids in one segment, and clear the table. */
static int ngram_reset(NgramWork *t, size_t n_ids)
{
    if (n_ids + 1 > t->id_cap) {
        size_t cap = 64;
        while (cap < n_ids + 1) cap <<= 1;
        free(t->ref_count); free(t->max_count); free(t->used); free(t->ids); free(t->touched);
        t->ref_count = calloc(cap, sizeof(int32_t));
        t->max_count = calloc(cap, sizeof(int32_t));
        t->used = calloc(cap, sizeof(int32_t));
        t->ids = calloc(cap, sizeof(int32_t));
        t->touched = calloc(cap, sizeof(int32_t));
        t->id_cap = cap;
        if (!t->ref_count || !t->max_count || !t->used || !t->ids || !t->touched)
            return -1;
    }
    if (2 * (n_ids + 1) > t->cap) {
        size_t cap = 128;
        int bits = 7;
        while (cap < 2 * (n_ids + 1)) { cap <<= 1; bits++; }
        free(t->slots);
        t->slots = calloc(cap, sizeof(Slot));
        if (!t->slots)
            return -1;
        t->cap = cap;
        t->shift = 64 - bits;
        t->gen = 0;
    }
    t->gen++;
    if (t->gen == 0) {
        memset(t->slots, 0, t->cap * sizeof(Slot));
        t->gen = 1;
    }
    t->next_id = 0;
    return 0;
}

static inline uint64_t ngram_key(int32_t prefix_id, int32_t sym)
{
    return ((uint64_t)(uint32_t)prefix_id << 32) | (uint32_t)sym;
}

static inline size_t ngram_slot(const NgramWork *t, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> t->shift);
}

static inline int32_t ngram_insert(NgramWork *t, uint64_t key)
{
    size_t mask = t->cap - 1, i = ngram_slot(t, key);
    for (;;) {
        Slot *s = &t->slots[i];
        if (s->gen != t->gen) {
            s->gen = t->gen;
            s->key = key;
            s->id = t->next_id++;
            t->ref_count[s->id] = 0;
            t->max_count[s->id] = 0;
            t->used[s->id] = 0;
            return s->id;
        }
        if (s->key == key)
            return s->id;
        i = (i + 1) & mask;
    }
}

static inline int32_t ngram_find(const NgramWork *t, uint64_t key)
{
    size_t mask = t->cap - 1, i = ngram_slot(t, key);
    for (;;) {
        const Slot *s = &t->slots[i];
        if (s->gen != t->gen)
            return -1;
        if (s->key == key)
            return s->id;
        i = (i + 1) & mask;
    }
}

/* Add a reference's n-grams of orders 1..order to the table; count them in
 * ref_count and note every id met in `touched` (returns how many). */
static size_t ngram_add_ref(NgramWork *t, const int32_t *r, int len, int order)
{
    size_t n_touched = 0;
    for (int n = 1; n <= order && n <= len; n++) {
        for (int i = 0; i + n <= len; i++) {
            int32_t prefix = n == 1 ? -1 : t->ids[i];
            int32_t id = ngram_insert(t, ngram_key(prefix, r[i + n - 1]));
            t->ids[i] = id;
            t->ref_count[id]++;
            t->touched[n_touched++] = id;
        }
    }
    return n_touched;
}

/* Clipped matches of the hypothesis against `limit` (per id), per order. */
static void ngram_match_hyp(NgramWork *t, const int32_t *h, int len, int order, const int32_t *limit, int64_t *match)
{
    for (int n = 1; n <= order; n++) {
        match[n - 1] = 0;
        for (int i = 0; i + n <= len; i++) {
            int32_t prefix = n == 1 ? -1 : t->ids[i];
            int32_t id = (n > 1 && prefix < 0) ? -1 : ngram_find(t, ngram_key(prefix, h[i + n - 1]));
            t->ids[i] = id;
            if (id >= 0) {
                if (t->used[id] < limit[id])
                    match[n - 1]++;
                t->used[id]++;
            }
        }
    }
}

static size_t windows(int len, int order)
{
    size_t w = 0;
    for (int n = 1; n <= order; n++)
        if (len >= n) w += (size_t)(len - n + 1);
    return w;
}

/* Per-segment reference presence matrix (n_seg x n_refs, uint8). */
static int get_present(PyObject *obj, Py_buffer *view, Py_ssize_t n_seg, Py_ssize_t n_refs)
{
    if (get_buffer(obj, view, 1, 0, "present") < 0)
        return -1;
    if (view->len != n_seg * n_refs) {
        PyErr_SetString(PyExc_ValueError, "present: wrong shape");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static int open_ref_streams(PyObject *syms, PyObject *offs, Stream **out, Py_ssize_t *n_refs, Py_ssize_t n_seg)
{
    if (!PyTuple_Check(syms) || !PyTuple_Check(offs) || PyTuple_GET_SIZE(syms) != PyTuple_GET_SIZE(offs)) {
        PyErr_SetString(PyExc_TypeError, "references: expected two tuples of equal length");
        return -1;
    }
    Py_ssize_t k = PyTuple_GET_SIZE(syms);
    Stream *s = calloc(k ? k : 1, sizeof(Stream));
    if (!s) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < k; i++) {
        if (stream_open(&s[i], PyTuple_GET_ITEM(syms, i), PyTuple_GET_ITEM(offs, i), "reference") < 0 ||
            s[i].n_seg != n_seg) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "reference stream length differs from hypotheses");
            else
                i--;
            for (Py_ssize_t j = 0; j <= i; j++) stream_close(&s[j]);
            free(s);
            return -1;
        }
    }
    *out = s;
    *n_refs = k;
    return 0;
}

static void close_ref_streams(Stream *s, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < k; i++) stream_close(&s[i]);
    free(s);
}

#define SEG_LEN(st, s) ((int)((st).off[(s) + 1] - (st).off[(s)]))
#define SEG_PTR(st, s) ((st).sym + (st).off[(s)])

/* BLEU: [hyp_len, closest_ref_len, correct_1..N, total_1..N] per segment
 * (BLEU._compute_segment_statistics with reference counts merged by max). */
static int bleu_segment(NgramWork *t, const int32_t *h, int hl, Stream *refs, const uint8_t *present,
                        Py_ssize_t n_refs, Py_ssize_t seg, int order, double *row)
{
    size_t n_ids = 0;
    int max_len = hl;
    for (Py_ssize_t k = 0; k < n_refs; k++) {
        if (!present[k]) continue;
        int len = SEG_LEN(refs[k], seg);
        n_ids += windows(len, order);
        if (len > max_len) max_len = len;
    }
    if (ngram_reset(t, n_ids > (size_t)max_len ? n_ids : (size_t)max_len) < 0)
        return -1;
    int closest_diff = -1, closest_len = -1;
    for (Py_ssize_t k = 0; k < n_refs; k++) {
        if (!present[k]) continue;
        int len = SEG_LEN(refs[k], seg);
        size_t nt = ngram_add_ref(t, SEG_PTR(refs[k], seg), len, order);
        for (size_t x = 0; x < nt; x++) {
            int32_t id = t->touched[x];
            if (t->ref_count[id] > t->max_count[id]) t->max_count[id] = t->ref_count[id];
        }
        for (size_t x = 0; x < nt; x++) t->ref_count[t->touched[x]] = 0;
        int diff = abs(hl - len);
        if (closest_diff == -1 || diff < closest_diff) { closest_diff = diff; closest_len = len; }
        else if (diff == closest_diff && len < closest_len) closest_len = len;
    }
    int64_t match[64];
    ngram_match_hyp(t, h, hl, order, t->max_count, match);
    row[0] = hl;
    row[1] = closest_len;
    for (int n = 1; n <= order; n++) {
        row[1 + n] = (double)match[n - 1];
        row[1 + order + n] = hl >= n ? hl - n + 1 : 0;
    }
    return 0;
}

static PyObject *py_bleu_stats(PyObject *self, PyObject *args)
{
    PyObject *hs, *ho, *rs, *ro, *pres, *out_obj;
    int order;
    if (!PyArg_ParseTuple(args, "OOOOOiO", &hs, &ho, &rs, &ro, &pres, &order, &out_obj))
        return NULL;
    if (order < 1 || order > 64) {
        PyErr_SetString(PyExc_ValueError, "max_ngram_order must be between 1 and 64");
        return NULL;
    }
    Stream hyp, *refs = NULL;
    Py_ssize_t n_refs = 0;
    Py_buffer present, out;
    if (stream_open(&hyp, hs, ho, "hypotheses") < 0)
        return NULL;
    if (open_ref_streams(rs, ro, &refs, &n_refs, hyp.n_seg) < 0) {
        stream_close(&hyp);
        return NULL;
    }
    if (get_present(pres, &present, hyp.n_seg, n_refs) < 0) {
        stream_close(&hyp); close_ref_streams(refs, n_refs);
        return NULL;
    }
    if (get_buffer(out_obj, &out, 8, 1, "out") < 0) {
        stream_close(&hyp); close_ref_streams(refs, n_refs); PyBuffer_Release(&present);
        return NULL;
    }
    int status = 0;
    Py_ssize_t width = 2 + 2 * order;
    if (out.len / 8 != hyp.n_seg * width) {
        PyErr_SetString(PyExc_ValueError, "bleu_stats: out has the wrong shape");
        status = -1;
    } else {
        NgramWork t;
        memset(&t, 0, sizeof(t));
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t s = 0; s < hyp.n_seg && status == 0; s++)
            status = bleu_segment(&t, SEG_PTR(hyp, s), SEG_LEN(hyp, s), refs,
                                  (const uint8_t *)present.buf + s * n_refs, n_refs, s, order,
                                  (double *)out.buf + s * width);
        Py_END_ALLOW_THREADS
        ngram_free(&t);
        if (status < 0) PyErr_NoMemory();
    }
    stream_close(&hyp);
    close_ref_streams(refs, n_refs);
    PyBuffer_Release(&present);
    PyBuffer_Release(&out);
    if (status < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* CHRF._compute_f_score, operation for operation. */
static double chrf_f_score(const double *stats, int order, double factor, int eps_smoothing)
{
    const double eps = 1e-16;
    double score = 0.0, avg_prec = 0.0, avg_rec = 0.0;
    int effective_order = 0;
    for (int i = 0; i < order; i++) {
        double n_hyp = stats[3 * i], n_ref = stats[3 * i + 1], n_match = stats[3 * i + 2];
        double prec = n_hyp > 0 ? n_match / n_hyp : eps;
        double rec = n_ref > 0 ? n_match / n_ref : eps;
        double denom = factor * prec + rec;
        score += denom > 0 ? ((1 + factor) * prec * rec / denom) : eps;
        if (n_hyp > 0 && n_ref > 0) {
            avg_prec += prec;
            avg_rec += rec;
            effective_order++;
        }
    }
    if (eps_smoothing)
        return 100 * score / order;
    if (effective_order == 0) {
        avg_prec = avg_rec = 0.0;
    } else {
        avg_prec /= effective_order;
        avg_rec /= effective_order;
    }
    if (avg_prec + avg_rec != 0) {
        score = (1 + factor) * avg_prec * avg_rec;
        score /= ((factor * avg_prec) + avg_rec);
        return 100 * score;
    }
    return 0.0;
}

/* [hyp, ref, match] per order of one hypothesis against one reference. */
static int chrf_pair(NgramWork *t, const int32_t *h, int hl, const int32_t *r, int rl, int order, double *dst)
{
    if (order == 0)
        return 0;
    size_t n_ids = windows(rl, order);
    int max_len = hl > rl ? hl : rl;
    if (ngram_reset(t, n_ids > (size_t)max_len ? n_ids : (size_t)max_len) < 0)
        return -1;
    ngram_add_ref(t, r, rl, order);
    int64_t match[64];
    ngram_match_hyp(t, h, hl, order, t->ref_count, match);
    for (int n = 1; n <= order; n++) {
        int ref_total = rl >= n ? rl - n + 1 : 0;
        int hyp_total = hl >= n ? hl - n + 1 : 0;
        dst[3 * (n - 1)] = ref_total > 0 ? hyp_total : 0;
        dst[3 * (n - 1) + 1] = ref_total;
        dst[3 * (n - 1) + 2] = (double)match[n - 1];
    }
    return 0;
}

typedef struct {
    int char_order, word_order, eps_smoothing;
    double factor;  /* beta ** 2, computed in Python as sacreBLEU does */
} ChrfOptions;

static PyObject *py_chrf_stats(PyObject *self, PyObject *args)
{
    PyObject *hc, *hco, *hw, *hwo, *rc, *rco, *rw, *rwo, *pres, *out_obj;
    ChrfOptions o;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOiidpO", &hc, &hco, &hw, &hwo, &rc, &rco, &rw, &rwo, &pres,
                          &o.char_order, &o.word_order, &o.factor, &o.eps_smoothing, &out_obj))
        return NULL;
    if (o.char_order < 0 || o.word_order < 0 || o.char_order > 64 || o.word_order > 64 ||
        o.char_order + o.word_order == 0) {
        PyErr_SetString(PyExc_ValueError, "chrF orders must be between 0 and 64 and not both 0");
        return NULL;
    }
    Stream hyp_c, hyp_w, *ref_c = NULL, *ref_w = NULL;
    Py_ssize_t n_refs = 0, n_refs_w = 0;
    Py_buffer present, out;
    if (stream_open(&hyp_c, hc, hco, "hypothesis characters") < 0)
        return NULL;
    if (stream_open(&hyp_w, hw, hwo, "hypothesis words") < 0) {
        stream_close(&hyp_c);
        return NULL;
    }
    if (open_ref_streams(rc, rco, &ref_c, &n_refs, hyp_c.n_seg) < 0) {
        stream_close(&hyp_c); stream_close(&hyp_w);
        return NULL;
    }
    if (open_ref_streams(rw, rwo, &ref_w, &n_refs_w, hyp_c.n_seg) < 0) {
        stream_close(&hyp_c); stream_close(&hyp_w); close_ref_streams(ref_c, n_refs);
        return NULL;
    }
    if (get_present(pres, &present, hyp_c.n_seg, n_refs) < 0) {
        stream_close(&hyp_c); stream_close(&hyp_w); close_ref_streams(ref_c, n_refs); close_ref_streams(ref_w, n_refs_w);
        return NULL;
    }
    if (get_buffer(out_obj, &out, 8, 1, "out") < 0) {
        stream_close(&hyp_c); stream_close(&hyp_w); close_ref_streams(ref_c, n_refs); close_ref_streams(ref_w, n_refs_w);
        PyBuffer_Release(&present);
        return NULL;
    }
    int order = o.char_order + o.word_order, status = 0;
    Py_ssize_t width = 3 * order, n_seg = hyp_c.n_seg;
    if (out.len / 8 != n_seg * width || hyp_w.n_seg != n_seg || n_refs_w != n_refs) {
        PyErr_SetString(PyExc_ValueError, "chrf_stats: inconsistent shapes");
        status = -1;
    } else {
        NgramWork t;
        memset(&t, 0, sizeof(t));
        double *cand = malloc(sizeof(double) * width);
        if (!cand) status = -2;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t s = 0; s < n_seg && status == 0; s++) {
            double *row = (double *)out.buf + s * width;
            const uint8_t *p = (const uint8_t *)present.buf + s * n_refs;
            double best_f = -1.0;
            for (Py_ssize_t k = 0; k < n_refs && status == 0; k++) {
                if (!p[k]) continue;
                if (chrf_pair(&t, SEG_PTR(hyp_c, s), SEG_LEN(hyp_c, s), SEG_PTR(ref_c[k], s),
                              SEG_LEN(ref_c[k], s), o.char_order, cand) < 0 ||
                    chrf_pair(&t, SEG_PTR(hyp_w, s), SEG_LEN(hyp_w, s), SEG_PTR(ref_w[k], s),
                              SEG_LEN(ref_w[k], s), o.word_order, cand + 3 * o.char_order) < 0) {
                    status = -2;
                    break;
                }
                double f = chrf_f_score(cand, order, o.factor, o.eps_smoothing);
                if (f > best_f) {
                    best_f = f;
                    memcpy(row, cand, sizeof(double) * width);
                }
            }
        }
        Py_END_ALLOW_THREADS
        free(cand);
        ngram_free(&t);
        if (status == -2) PyErr_NoMemory();
    }
    stream_close(&hyp_c);
    stream_close(&hyp_w);
    close_ref_streams(ref_c, n_refs);
    close_ref_streams(ref_w, n_refs_w);
    PyBuffer_Release(&present);
    PyBuffer_Release(&out);
    if (status < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* Tokenisers: the regular-expression part of sacreBLEU's 13a and zh         */
/* ------------------------------------------------------------------------ */

typedef struct {
    Py_UCS4 *buf;
    Py_ssize_t len, cap;
} Text;

static int text_reserve(Text *t, Py_ssize_t extra)
{
    if (t->len + extra <= t->cap)
        return 0;
    Py_ssize_t cap = t->cap ? t->cap : 64;
    while (cap < t->len + extra) cap *= 2;
    Py_UCS4 *b = realloc(t->buf, sizeof(Py_UCS4) * cap);
    if (!b) return -1;
    t->buf = b;
    t->cap = cap;
    return 0;
}

#define PUT(t, c) ((t)->buf[(t)->len++] = (c))

static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }
static inline int is_dot_comma(Py_UCS4 c) { return c == '.' || c == ','; }

/* r'([\{-\~\[-\` -\&\(-\+\:-\@\/])' */
static inline int is_13a_symbol(Py_UCS4 c)
{
    return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
           (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F;
}

/* TokenizerZh._is_chinese_char.  Two of sacreBLEU's ranges are written as
 * '\u20000'..'\u2a6d6' and '\u2f800'..'\u2fa1d', which Python reads as
 * two-character strings; compared with one character they mean
 * U+2001..U+2A6D and U+2F81..U+2FA1, and that is what is reproduced. */
static int is_zh_char(Py_UCS4 c)
{
    static const Py_UCS4 ranges[][2] = {
        {0x3400, 0x4db5}, {0x4e00, 0x9fa5}, {0x9fa6, 0x9fbb}, {0xf900, 0xfa2d}, {0xfa30, 0xfa6a},
        {0xfa70, 0xfad9}, {0x2001, 0x2a6d}, {0x2f81, 0x2fa1}, {0xff00, 0xffef}, {0x2e80, 0x2eff},
        {0x3000, 0x303f}, {0x31c0, 0x31ef}, {0x2f00, 0x2fdf}, {0x2ff0, 0x2fff}, {0x3100, 0x312f},
        {0x31a0, 0x31bf}, {0xfe10, 0xfe1f}, {0xfe30, 0xfe4f}, {0x2600, 0x26ff}, {0x2700, 0x27bf},
        {0x3200, 0x32ff}, {0x3300, 0x33ff},
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (c >= ranges[i][0] && c <= ranges[i][1])
            return 1;
    return 0;
}

/* TokenizerRegexp.__call__: four re.sub passes (left-to-right,
 * non-overlapping, as Python's re scans) and whitespace normalisation.
 * `zh` first pads Chinese characters with spaces (TokenizerZh). */
static PyObject *regexp_tokenize(PyObject *line, int zh)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    Text a = {0}, b = {0};
    PyObject *result = NULL;
    /* pass 0 (zh) and pass 1: pad characters with spaces */
    if (text_reserve(&a, 3 * n + 1) < 0) goto oom;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (zh && is_zh_char(c)) {
            /* TokenizerZh writes ' c ', and pass 1 pads both spaces */
            if (text_reserve(&a, 7) < 0) goto oom;
            PUT(&a, ' '); PUT(&a, ' '); PUT(&a, ' ');
            PUT(&a, c);
            PUT(&a, ' '); PUT(&a, ' '); PUT(&a, ' ');
        } else if (is_13a_symbol(c)) {
            if (text_reserve(&a, 3) < 0) goto oom;
            PUT(&a, ' '); PUT(&a, c); PUT(&a, ' ');
        } else {
            if (text_reserve(&a, 1) < 0) goto oom;
            PUT(&a, c);
        }
    }
    /* pass 2: ([^0-9])([\.,]) -> \1 \2 */
    b.len = 0;
    if (text_reserve(&b, 2 * a.len + 1) < 0) goto oom;
    for (Py_ssize_t i = 0; i < a.len;) {
        if (!is_digit(a.buf[i]) && i + 1 < a.len && is_dot_comma(a.buf[i + 1])) {
            PUT(&b, a.buf[i]); PUT(&b, ' '); PUT(&b, a.buf[i + 1]); PUT(&b, ' ');
            i += 2;
        } else {
            PUT(&b, a.buf[i]);
            i++;
        }
    }
    /* pass 3: ([\.,])([^0-9]) -> ' \1 \2' */
    a.len = 0;
    if (text_reserve(&a, 2 * b.len + 1) < 0) goto oom;
    for (Py_ssize_t i = 0; i < b.len;) {
        if (is_dot_comma(b.buf[i]) && i + 1 < b.len && !is_digit(b.buf[i + 1])) {
            PUT(&a, ' '); PUT(&a, b.buf[i]); PUT(&a, ' '); PUT(&a, b.buf[i + 1]);
            i += 2;
        } else {
            PUT(&a, b.buf[i]);
            i++;
        }
    }
    /* pass 4: ([0-9])(-) -> \1 \2 */
    b.len = 0;
    if (text_reserve(&b, 2 * a.len + 1) < 0) goto oom;
    for (Py_ssize_t i = 0; i < a.len;) {
        if (is_digit(a.buf[i]) && i + 1 < a.len && a.buf[i + 1] == '-') {
            PUT(&b, a.buf[i]); PUT(&b, ' '); PUT(&b, '-'); PUT(&b, ' ');
            i += 2;
        } else {
            PUT(&b, a.buf[i]);
            i++;
        }
    }
    /* ' '.join(line.split()) */
    a.len = 0;
    if (text_reserve(&a, b.len + 1) < 0) goto oom;
    for (Py_ssize_t i = 0; i < b.len; i++) {
        if (Py_UNICODE_ISSPACE(b.buf[i])) {
            if (a.len > 0 && a.buf[a.len - 1] != ' ')
                PUT(&a, ' ');
        } else {
            PUT(&a, b.buf[i]);
        }
    }
    if (a.len > 0 && a.buf[a.len - 1] == ' ')
        a.len--;
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a.buf, a.len);
    free(a.buf);
    free(b.buf);
    return result;
oom:
    free(a.buf);
    free(b.buf);
    return PyErr_NoMemory();
}

static PyObject *tokenize_list(PyObject *args, int zh)
{
    PyObject *lines;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &lines))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(n);
    if (!out)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_TypeError, "tokenize: expected a list of str");
            return NULL;
        }
        PyObject *tok = regexp_tokenize(line, zh);
        if (!tok) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, tok);
    }
    return out;
}

static PyObject *py_tokenize_regexp(PyObject *self, PyObject *args) { return tokenize_list(args, 0); }
static PyObject *py_tokenize_zh(PyObject *self, PyObject *args) { return tokenize_list(args, 1); }

static PyMethodDef methods[] = {
    {"ter_edits", py_ter_edits, METH_VARARGS,
     "ter_edits(hyp_ids, hyp_off, ref_ids, ref_off, out): TER edits per segment against one reference."},
    {"bleu_stats", py_bleu_stats, METH_VARARGS,
     "bleu_stats(hyp_ids, hyp_off, ref_ids, ref_offs, present, order, out): BLEU statistics per segment."},
    {"chrf_stats", py_chrf_stats, METH_VARARGS,
     "chrf_stats(hyp_chars, hyp_char_off, hyp_words, hyp_word_off, ref_chars, ref_char_offs, ref_words, "
     "ref_word_offs, present, char_order, word_order, beta_squared, eps_smoothing, out): chrF statistics per segment."},
    {"tokenize_regexp", py_tokenize_regexp, METH_VARARGS,
     "tokenize_regexp(lines): sacreBLEU's TokenizerRegexp (the 13a rules) on a list of str."},
    {"tokenize_zh", py_tokenize_zh, METH_VARARGS,
     "tokenize_zh(lines): sacreBLEU's TokenizerZh on a list of already stripped str."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lexcore", "Compiled core of eval.metrics.fast.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__lexcore(void) { return PyModule_Create(&module); }
