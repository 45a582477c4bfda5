-- A database made by the last release before Alembic (a6cc7fb), with rows in it.
-- Written by make.py beside this file; not to be regenerated.

CREATE TABLE block (
	key_hash VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (key_hash)
);
CREATE TABLE configproblem (
	content_hash VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (content_hash)
);
CREATE TABLE digestrun (
	id SERIAL NOT NULL, 
	community VARCHAR NOT NULL, 
	day DATE NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (community, day)
);
CREATE TABLE draft (
	id SERIAL NOT NULL, 
	source_key VARCHAR NOT NULL, 
	user_id BIGINT NOT NULL, 
	user_name VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	kind VARCHAR NOT NULL, 
	category VARCHAR NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	matched JSON NOT NULL, 
	community VARCHAR, 
	building VARCHAR, 
	location_lat FLOAT, 
	location_lon FLOAT, 
	photo_file_ids JSON NOT NULL, 
	photo_unique_ids JSON NOT NULL, 
	voice_file_id VARCHAR, 
	media_group_id VARCHAR, 
	preview_message_id INTEGER, 
	status VARCHAR NOT NULL, 
	ticket_id INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source_key)
);
CREATE INDEX ix_draft_media_group_id ON draft (media_group_id);
CREATE INDEX ix_draft_user_status ON draft (user_id, status);
CREATE TABLE invite (
	id SERIAL NOT NULL, 
	token VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	created_by BIGINT NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	used_by BIGINT, 
	used_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (token)
);
CREATE TABLE pendinginput (
	user_id BIGSERIAL NOT NULL, 
	kind VARCHAR NOT NULL, 
	ticket_id INTEGER, 
	draft_id INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	seq INTEGER NOT NULL, 
	state VARCHAR NOT NULL, 
	held_draft_id INTEGER, 
	PRIMARY KEY (user_id)
);
CREATE TABLE resident (
	id SERIAL NOT NULL, 
	tg_id BIGINT NOT NULL, 
	name VARCHAR NOT NULL, 
	phone VARCHAR, 
	phone_asked_at TIMESTAMP WITH TIME ZONE, 
	community VARCHAR, 
	building VARCHAR, 
	unreachable BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_resident_tg_id ON resident (tg_id);
CREATE TABLE secret (
	name VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE senderlease (
	id INTEGER NOT NULL, 
	holder VARCHAR NOT NULL, 
	until TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE tally (
	community VARCHAR NOT NULL, 
	metric VARCHAR NOT NULL, 
	day INTEGER NOT NULL, 
	key VARCHAR NOT NULL, 
	n INTEGER NOT NULL, 
	PRIMARY KEY (community, metric, day, key)
);
CREATE TABLE tallystate (
	id INTEGER NOT NULL, 
	tz VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	built_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE volunteer (
	id SERIAL NOT NULL, 
	tg_id BIGINT NOT NULL, 
	name VARCHAR NOT NULL, 
	unit VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	categories JSON NOT NULL, 
	buildings JSON NOT NULL, 
	max_open INTEGER NOT NULL, 
	active BOOLEAN NOT NULL, 
	unreachable BOOLEAN NOT NULL, 
	last_assigned_at TIMESTAMP WITH TIME ZONE, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_volunteer_community ON volunteer (community);
CREATE UNIQUE INDEX ix_volunteer_tg_id ON volunteer (tg_id);
CREATE TABLE ticket (
	id SERIAL NOT NULL, 
	source_key VARCHAR, 
	kind VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	category VARCHAR NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	needs_triage BOOLEAN NOT NULL, 
	matched JSON NOT NULL, 
	status VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	building VARCHAR, 
	location_lat FLOAT, 
	location_lon FLOAT, 
	photo_file_ids JSON NOT NULL, 
	voice_file_id VARCHAR, 
	contact_phone VARCHAR, 
	reporter_id INTEGER, 
	assignee_id INTEGER, 
	offered_in_group BOOLEAN NOT NULL, 
	group_chat_id BIGINT, 
	group_message_id INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	routed_at TIMESTAMP WITH TIME ZONE, 
	claimed_at TIMESTAMP WITH TIME ZONE, 
	last_progress_at TIMESTAMP WITH TIME ZONE, 
	resolved_at TIMESTAMP WITH TIME ZONE, 
	closed_at TIMESTAMP WITH TIME ZONE, 
	accept_due_at TIMESTAMP WITH TIME ZONE, 
	due_at TIMESTAMP WITH TIME ZONE, 
	overdue_at TIMESTAMP WITH TIME ZONE, 
	next_action VARCHAR, 
	next_action_at TIMESTAMP WITH TIME ZONE, 
	waiting_since TIMESTAMP WITH TIME ZONE, 
	escalation_level INTEGER NOT NULL, 
	reminded_at TIMESTAMP WITH TIME ZONE, 
	revisit_asked_at TIMESTAMP WITH TIME ZONE, 
	reopen_count INTEGER NOT NULL, 
	rating INTEGER, 
	comment VARCHAR, 
	close_reason VARCHAR, 
	resolution_note VARCHAR, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source_key), 
	FOREIGN KEY(reporter_id) REFERENCES resident (id), 
	FOREIGN KEY(assignee_id) REFERENCES volunteer (id)
);
CREATE INDEX ix_ticket_assignee_status ON ticket (assignee_id, status);
CREATE INDEX ix_ticket_community_closed ON ticket (community, closed_at);
CREATE INDEX ix_ticket_community_created ON ticket (community, created_at);
CREATE INDEX ix_ticket_community_status_due ON ticket (community, status, due_at);
CREATE INDEX ix_ticket_due ON ticket (next_action_at);
CREATE INDEX ix_ticket_reporter_id ON ticket (reporter_id);
CREATE INDEX ix_ticket_unclaimed ON ticket (community, status, assignee_id, created_at);
CREATE TABLE categorycorrection (
	id SERIAL NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	from_category VARCHAR NOT NULL, 
	to_category VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	actor_tg_id BIGINT NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
CREATE INDEX ix_correction_ticket ON categorycorrection (ticket_id);
CREATE TABLE outbox (
	id SERIAL NOT NULL, 
	chat_id BIGINT NOT NULL, 
	notice VARCHAR NOT NULL, 
	ticket_id INTEGER, 
	payload JSON NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	not_before TIMESTAMP WITH TIME ZONE NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	lease_until TIMESTAMP WITH TIME ZONE, 
	sent_at TIMESTAMP WITH TIME ZONE, 
	sent_message_id INTEGER, 
	last_error VARCHAR, 
	failed_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
CREATE INDEX ix_outbox_chat ON outbox (chat_id, status, id);
CREATE INDEX ix_outbox_failed ON outbox (failed_at);
CREATE INDEX ix_outbox_pending ON outbox (status, not_before);
CREATE TABLE ticketevent (
	id SERIAL NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	actor_kind VARCHAR NOT NULL, 
	actor_tg_id BIGINT, 
	action VARCHAR NOT NULL, 
	from_status VARCHAR, 
	to_status VARCHAR, 
	note TEXT, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
CREATE INDEX ix_event_ticket_at ON ticketevent (ticket_id, at);
INSERT INTO "block" ("key_hash", "community", "created_at") VALUES ('abababababababababababababababababababababababababababababababab', 'hx', '2026-11-02T02:00:00+00:00');
INSERT INTO "configproblem" ("content_hash", "created_at") VALUES ('efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef', '2026-11-02T02:00:00+00:00');
INSERT INTO "digestrun" ("id", "community", "day", "created_at") VALUES (1, 'hx', '2026-11-02', '2026-11-02T02:00:00+00:00');
SELECT setval(pg_get_serial_sequence('digestrun', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "digestrun"), false);
INSERT INTO "draft" ("id", "source_key", "user_id", "user_name", "text", "kind", "category", "urgent", "matched", "community", "building", "location_lat", "location_lon", "photo_file_ids", "photo_unique_ids", "voice_file_id", "media_group_id", "preview_message_id", "status", "ticket_id", "created_at", "updated_at") VALUES (1, '777:15', 777, '赵大爷', '电梯又坏了', 'complaint', 'repairs', false, '["电梯"]', NULL, NULL, NULL, NULL, '["AgAD1"]', '["u1"]', NULL, NULL, NULL, 'open', NULL, '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00');
SELECT setval(pg_get_serial_sequence('draft', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "draft"), false);
INSERT INTO "invite" ("id", "token", "community", "created_by", "created_at", "expires_at", "used_by", "used_at") VALUES (1, 'tok-123', 'hx', 10001, '2026-11-02T02:00:00+00:00', '2026-11-03T02:00:00+00:00', NULL, NULL);
SELECT setval(pg_get_serial_sequence('invite', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "invite"), false);
INSERT INTO "pendinginput" ("user_id", "kind", "ticket_id", "draft_id", "created_at", "seq", "state", "held_draft_id") VALUES (777, 'draft_text', NULL, 1, '2026-11-02T02:00:00+00:00', 2, 'waiting', NULL);
INSERT INTO "resident" ("id", "tg_id", "name", "phone", "phone_asked_at", "community", "building", "unreachable", "created_at") VALUES (1, 900, '王阿姨', NULL, NULL, 'hx', 'b1', false, '2026-11-02T02:00:00+00:00');
INSERT INTO "resident" ("id", "tg_id", "name", "phone", "phone_asked_at", "community", "building", "unreachable", "created_at") VALUES (2, 902, '王阿姨', NULL, NULL, 'hx', 'b1', false, '2026-11-02T02:05:00+00:00');
SELECT setval(pg_get_serial_sequence('resident', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "resident"), false);
INSERT INTO "secret" ("name", "value", "created_at") VALUES ('block_key', 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', '2026-11-02T02:00:00+00:00');
INSERT INTO "senderlease" ("id", "holder", "until") VALUES (1, 'host:1234', '2026-11-02T02:00:30+00:00');
SELECT setval(pg_get_serial_sequence('senderlease', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "senderlease"), false);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'claimed', 20261102, '', 1);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'claims_by', 20261102, '3001', 1);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'judged', 20261102, '2026-11-02', 2);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'new', 20261102, 'repairs', 1);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'new', 20261102, 'safety', 1);
INSERT INTO "tally" ("community", "metric", "day", "key", "n") VALUES ('hx', 'responded', 20261102, '2026-11-02', 1);
INSERT INTO "tallystate" ("id", "tz", "version", "built_at") VALUES (1, 'Asia/Shanghai', 1, '2026-11-02T02:00:00+00:00');
SELECT setval(pg_get_serial_sequence('tallystate', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "tallystate"), false);
INSERT INTO "volunteer" ("id", "tg_id", "name", "unit", "community", "categories", "buildings", "max_open", "active", "unreachable", "last_assigned_at", "created_at", "updated_at") VALUES (1, 3001, '李建国', '区税务局', 'hx', '["repairs"]', '["b1"]', 3, true, false, '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00');
INSERT INTO "volunteer" ("id", "tg_id", "name", "unit", "community", "categories", "buildings", "max_open", "active", "unreachable", "last_assigned_at", "created_at", "updated_at") VALUES (2, 3002, '王芳', '区税务局', 'hx', '["elderly"]', '[]', 3, false, false, NULL, '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00');
SELECT setval(pg_get_serial_sequence('volunteer', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "volunteer"), false);
INSERT INTO "ticket" ("id", "source_key", "kind", "text", "category", "urgent", "needs_triage", "matched", "status", "community", "building", "location_lat", "location_lon", "photo_file_ids", "voice_file_id", "contact_phone", "reporter_id", "assignee_id", "offered_in_group", "group_chat_id", "group_message_id", "created_at", "routed_at", "claimed_at", "last_progress_at", "resolved_at", "closed_at", "accept_due_at", "due_at", "overdue_at", "next_action", "next_action_at", "waiting_since", "escalation_level", "reminded_at", "revisit_asked_at", "reopen_count", "rating", "comment", "close_reason", "resolution_note", "version") VALUES (1, NULL, 'complaint', '3号楼楼道灯坏了', 'repairs', false, false, '[]', 'claimed', 'hx', 'b1', NULL, NULL, '[]', NULL, NULL, 1, 1, false, NULL, NULL, '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00', '2026-11-02T02:10:00+00:00', NULL, NULL, NULL, '2026-11-02T10:00:00+00:00', '2026-11-09T02:00:00+00:00', NULL, 'progress_reminder', '2026-11-03T02:10:00+00:00', NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 2);
INSERT INTO "ticket" ("id", "source_key", "kind", "text", "category", "urgent", "needs_triage", "matched", "status", "community", "building", "location_lat", "location_lon", "photo_file_ids", "voice_file_id", "contact_phone", "reporter_id", "assignee_id", "offered_in_group", "group_chat_id", "group_message_id", "created_at", "routed_at", "claimed_at", "last_progress_at", "resolved_at", "closed_at", "accept_due_at", "due_at", "overdue_at", "next_action", "next_action_at", "waiting_since", "escalation_level", "reminded_at", "revisit_asked_at", "reopen_count", "rating", "comment", "close_reason", "resolution_note", "version") VALUES (2, NULL, 'complaint', '小区门口井盖松了，晚上很危险', 'safety', true, false, '[]', 'submitted', 'hx', 'b1', NULL, NULL, '[]', NULL, NULL, 2, NULL, true, NULL, NULL, '2026-11-02T02:05:00+00:00', '2026-11-02T02:05:00+00:00', NULL, NULL, NULL, NULL, '2026-11-02T10:05:00+00:00', '2026-11-02T04:05:00+00:00', NULL, 'overdue', '2026-11-02T04:05:00+00:00', '2026-11-02T02:05:00+00:00', 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 1);
SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "ticket"), false);
INSERT INTO "categorycorrection" ("id", "ticket_id", "from_category", "to_category", "text", "actor_tg_id", "at") VALUES (1, 1, 'repairs', 'safety', '3号楼楼道灯坏了', 10001, '2026-11-02T02:00:00+00:00');
SELECT setval(pg_get_serial_sequence('categorycorrection', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "categorycorrection"), false);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (1, 3001, 'offer', 1, '{}', false, '2026-11-02T02:00:00+00:00', '2026-11-02T02:00:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (2, -1001234567890, 'group_post', 2, '{}', true, '2026-11-02T02:05:00+00:00', '2026-11-02T02:05:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (3, 10001, 'urgent_alert', 2, '{}', true, '2026-11-02T02:05:00+00:00', '2026-11-02T02:05:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (4, 10002, 'urgent_alert', 2, '{}', true, '2026-11-02T02:05:00+00:00', '2026-11-02T02:05:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (5, 900, 'claimed', 1, '{"volunteer": "李建国", "unit": "区税务局"}', false, '2026-11-02T02:10:00+00:00', '2026-11-02T02:10:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "outbox" ("id", "chat_id", "notice", "ticket_id", "payload", "urgent", "created_at", "not_before", "status", "attempts", "lease_until", "sent_at", "sent_message_id", "last_error", "failed_at") VALUES (6, 3001, 'details', 1, '{}', false, '2026-11-02T02:10:00+00:00', '2026-11-02T02:10:00+00:00', 'pending', 0, NULL, NULL, NULL, NULL, NULL);
SELECT setval(pg_get_serial_sequence('outbox', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "outbox"), false);
INSERT INTO "ticketevent" ("id", "ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status", "note", "at") VALUES (1, 1, 'resident', 900, 'submit', NULL, 'submitted', NULL, '2026-11-02T02:00:00+00:00');
INSERT INTO "ticketevent" ("id", "ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status", "note", "at") VALUES (2, 1, 'system', NULL, 'route', 'submitted', 'assigned', '李建国', '2026-11-02T02:00:00+00:00');
INSERT INTO "ticketevent" ("id", "ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status", "note", "at") VALUES (3, 2, 'resident', 902, 'submit', NULL, 'submitted', NULL, '2026-11-02T02:05:00+00:00');
INSERT INTO "ticketevent" ("id", "ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status", "note", "at") VALUES (4, 2, 'system', NULL, 'offer_group', 'submitted', 'submitted', NULL, '2026-11-02T02:05:00+00:00');
INSERT INTO "ticketevent" ("id", "ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status", "note", "at") VALUES (5, 1, 'volunteer', 3001, 'accept', 'assigned', 'claimed', NULL, '2026-11-02T02:10:00+00:00');
SELECT setval(pg_get_serial_sequence('ticketevent', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "ticketevent"), false);
