"""Articles, authors, sections, tags, images and their rights."""
