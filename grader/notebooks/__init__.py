"""Student notebooks generated from the reference solutions (``deepgrade release``).

* :mod:`grader.notebooks.content` — the explanation texts (English ids; Korean in the
  ``notebook`` catalogue);
* :mod:`grader.notebooks.build` — one notebook per assignment, from the same stub rendering as
  the ``.py`` stubs (:func:`grader.release.make_stub`);
* :mod:`grader.notebooks.kernel` — what the self-check cells call inside Jupyter;
* :mod:`grader.notebooks.viz` — the small plots (filters on a bundled image, receptive field,
  attention weights).
"""
