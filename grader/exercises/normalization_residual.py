"""Assignment 04_normalization_residual (exercise specs being written)."""
ASSIGNMENT = "04_normalization_residual"
EXERCISES = ()
