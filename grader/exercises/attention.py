"""Assignment 06_attention (exercise specs being written)."""
ASSIGNMENT = "06_attention"
EXERCISES = ()
