"""Exam-style practice and per-student exams.

Modules, one concept each:

==================  ==========================================================================
``layers``          layer definitions and what follows from them (parameters, output sizes, MACs,
                    receptive field): the single source of every number in a key
``architectures``   LeNet-5, AlexNet, VGG-16, MobileNet, GoogLeNet inception modules, ResNet
                    blocks, written as definitions (the papers' tables), never as results
``templates/``      seeded question generators per topic, with keys and worked solutions
``question``        question/answer types, answer parsing and the exact checker (tolerances)
``text``            translatable texts (catalogue domain ``practice``), rendered per language
``session``         the practice loop (terminal or answers file), summary
``store``           per-user progress in SQLite, Leitner schedule for spaced review
``exam``            papers, answer key and grading for a roster
``render``          Markdown and self-contained printable HTML
``cli``             ``deepgrade practice`` and ``deepgrade exam make|grade``
==================  ==========================================================================

Where exact answers come from (no second copy of a formula). Practice is a student feature and a
student's copy has no ``solutions/``, so keys cannot call assignment 01's reference at run time,
and copying its closed-form formulas here would make a second copy. Instead every key is derived
from a *definition* in :mod:`grader.practice.layers`: a parameter count is the summed size of the
tensors the layer owns (the shapes ``torch.nn`` gives them), an output size is the number of
positions a sliding window can take, MACs are outputs times dot-product length, a receptive field
is the input interval one output reaches, gradients apply each node's local derivative. The
formulas students are asked to use appear only as *text* in worked solutions. Independent
sources check the definitions in the tests: ``torch.nn`` modules built from the same layer
definitions (shapes on the meta device, parameter counts, autograd for the graphs, ``conv2d``
and pooling for the by-hand questions) and, where the repository has it, assignment 01's
reference solution. torchvision is not used because its wheel for torch 2.13.0 is the CUDA
build; the ResNet blocks are checked against assignment 04's torchvision-compatible modules.
Generating a question never imports torch, so the bank is fast and runs without it.
"""
