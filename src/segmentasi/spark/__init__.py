"""Apache Spark engine (issue 16): pyspark is imported only inside this package."""
