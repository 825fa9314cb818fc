"""Evaluation on labelled data in the newstrace dataset format (see ../shared/data/README.md)."""
