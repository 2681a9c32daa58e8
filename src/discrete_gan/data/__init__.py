"""Data in: the names corpus (download, checksum), the paper's filter, the comparison's split,
the 28-symbol vocabulary, and the readers of name lists."""
