"""The mail assistant: mailboxes (.eml, .mbox, Maildir, IMAP) become a notebook's sources;
threads, summaries, action items and deadlines, and reply drafts in the owner's voice that are
saved, never sent (no code path sends mail)."""
