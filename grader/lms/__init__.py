"""Glue to where instructors grade: nbgrader courses and Gradescope autograder bundles."""
