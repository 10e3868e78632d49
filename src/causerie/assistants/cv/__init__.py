"""The CV assistant: a CV and a job posting give a reproducible match score, an honest gap
analysis, a tailored CV and a cover letter that state nothing the CV does not hold."""
