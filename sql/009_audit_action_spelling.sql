-- One spelling, "enroll", everywhere: the audit action written before it becomes the new name.
UPDATE audit_log SET action = 'person.unenroll' WHERE action = 'person.unenrol';
