"""Text clean-up before scoring: repair of scraped text and sentence segmentation."""
