"""Data in: the names corpus (download, checksum), the paper's filter, the comparison's split,
the vocabulary (any alphabet; 28 symbols with a-z), the readers of name lists and
the generality study's word lists."""
