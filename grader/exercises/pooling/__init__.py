"""Assignment 03_pooling: one spec module per file of ``solutions/03_pooling/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
