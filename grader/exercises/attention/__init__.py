"""Assignment 06_attention: one spec module per file of ``solutions/06_attention/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
