"""The course around the book: graded exercises, their checker, and the instructor's tools.

Nothing in the rest of ``vaessl_lib`` (models, losses, data, training) imports this subpackage; it
needs the ``exercises`` extra (``pip install 'vaessl_lib[exercises]'``: otter-grader, PyYAML).

* :mod:`~vaessl_lib.course.exercises`: the student's checker, ``grader_for(name)``, with the visible
  tests shipped in ``exercise_tests/``;
* :mod:`~vaessl_lib.course.assign`: master notebooks -> student editions, visible tests, book pages,
  autograders (``python -m vaessl_lib assign``);
* :mod:`~vaessl_lib.course.grading`: a folder of submissions -> one CSV row per notebook
  (``python -m vaessl_lib grade``), with :mod:`~vaessl_lib.course.judge` (the tests, run in the
  grader), :mod:`~vaessl_lib.course.submission_kernel` and :mod:`~vaessl_lib.course.sandbox` (a
  submission's walled-in kernel) and :mod:`~vaessl_lib.course.wire` (what crosses between them).
"""

from .exercises import grader_for

__all__ = ["grader_for"]
