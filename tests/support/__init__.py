"""What the test suites share: servers on loopback (the sandbox fixtures, file servers, hostile
platforms, an S3 double, a TLS server, Airflow deployments and their Celery services), running
components as Airflow does, reduced task contexts, the Airflow minors' differences, lead-file
samples and the fuzz tests' strategies. No tests here."""
