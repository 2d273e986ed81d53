"""What the operators do between a DAG's input and the hook.

Records read, checked, batched, sent in order, reported.
"""
