"""Assignment 01_conv_arithmetic: one spec module per file of ``solutions/01_conv_arithmetic/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
