"""The worker and beat processes: the Celery application with every feature's tasks
(the tasks live beside the code they call, in ``app/<feature>/tasks.py``)."""
