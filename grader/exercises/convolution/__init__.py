"""Assignment 02_convolution: one spec module per file of ``solutions/02_convolution/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
