"""Assignment 05_recurrent: one spec module per file of ``solutions/05_recurrent/``."""
from grader.exercises.spec import collect

ASSIGNMENT, EXERCISES, MISCONCEPTIONS = collect(__name__)
