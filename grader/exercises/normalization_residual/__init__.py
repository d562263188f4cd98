"""Assignment 04_normalization_residual: one spec module per file of ``solutions/04_normalization_residual/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
