"""Assignment 03_pooling (exercise specs being written)."""
ASSIGNMENT = "03_pooling"
EXERCISES = ()
