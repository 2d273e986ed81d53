"""What the platforms speak and mean: their codes, their records and jobs, their wire format.

Most of it is the vendors' own, as `shared/protocol.md` marks it "documented". What is ours is
listed here, in one place, so that no one mistakes it for what a real platform promises:

- our decisions where the vendors are silent, which a platform may not have (the hook treats
  each as a capability): the job status method and its answer (`wire/job_status.py`), its
  "unknown job" code `BackMsg_91` (`codes.py`, marked sandbox-defined there), the listing of a
  campaign's jobs and the parameters a job reports back (`job_matching.py`), and
  ImportProcessData's per-record outcomes (`wire/customer_web_service.py`);
- our policy, which no platform has a say in: what a job's state, or an error asking for it,
  means for a wait and the task, and when the wait gives up (`job_verdict.py`), which job is a
  lost submission's (`job_matching.py`), how far ahead `exetime` may be (`exetime.py`), and how
  strictly an answer is read (`wire/answers.py`, `wire/relaxed_json.py`).
"""
