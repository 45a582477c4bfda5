"""One function per action a person or a timer takes, each in its own transaction.

residents.py, intake.py, people.py: a resident's side; volunteers.py, invites.py,
roster.py: volunteers; office.py, views.py: coordinators; followups.py, digests.py: timed
work; conversation.py: the question the bot waits for; abuse.py: floods and blocks.
moves.py, notices.py, roles.py and routing.py are the steps the actions share; owed.py and
unreachable.py serve the sender. deps.py holds what every action needs (Deps); template.py
is the template each one follows (@action: one unit of work, committed when it returns).
"""
