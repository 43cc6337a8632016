"""The Apache Spark engine's building blocks: a session, the encoded table as a Spark DataFrame,
and the distributed algorithms (K-Means, CLARA, assignment, sampled silhouettes).

Only this package imports pyspark, and `import segmentasi` never imports this package; pyspark
is the optional `spark` extra. The modules are imported one by one (session first: it explains
a missing pyspark or Java in one line, where importing the others would fail on pyspark).
"""
