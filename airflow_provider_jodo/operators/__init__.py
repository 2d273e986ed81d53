"""Operators that load customers into Jodo/astercc: one module per behaviour.

`process_data` (ImportProcessData), `cji_records` (importCJI inline records), `cji_file`
(importCJI file jobs, and `FileJobOperator`, which runs them for both file job operators),
`stage` (stage records on FTP, then one file job).
"""
