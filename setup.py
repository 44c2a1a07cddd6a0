from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "eval.metrics.fast._lexcore",
            sources=["eval/metrics/fast/_lexcore.c"],
            extra_compile_args=["-O2", "-ffp-contract=off"],
        )
    ]
)
