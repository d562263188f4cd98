"""Assignment 05_recurrent (exercise specs being written)."""
ASSIGNMENT = "05_recurrent"
EXERCISES = ()
