-- A database made by the last release before Alembic (a6cc7fb), with rows in it.
-- Written by make.py beside this file; not to be regenerated.
CREATE TABLE block (
	key_hash VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (key_hash)
);
INSERT INTO "block" VALUES('abababababababababababababababababababababababababababababababab','hx','2026-11-02 02:00:00.000000');
CREATE TABLE categorycorrection (
	id INTEGER NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	from_category VARCHAR NOT NULL, 
	to_category VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	actor_tg_id BIGINT NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
INSERT INTO "categorycorrection" VALUES(1,1,'repairs','safety','3号楼楼道灯坏了',10001,'2026-11-02 02:00:00.000000');
CREATE TABLE configproblem (
	content_hash VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (content_hash)
);
INSERT INTO "configproblem" VALUES('efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef','2026-11-02 02:00:00.000000');
CREATE TABLE digestrun (
	id INTEGER NOT NULL, 
	community VARCHAR NOT NULL, 
	day DATE NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (community, day)
);
INSERT INTO "digestrun" VALUES(1,'hx','2026-11-02','2026-11-02 02:00:00.000000');
CREATE TABLE draft (
	id INTEGER NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source_key)
);
INSERT INTO "draft" VALUES(1,'777:15',777,'赵大爷','电梯又坏了','complaint','repairs',0,'["\u7535\u68af"]',NULL,NULL,NULL,NULL,'["AgAD1"]','["u1"]',NULL,NULL,NULL,'open',NULL,'2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000');
CREATE TABLE invite (
	id INTEGER NOT NULL, 
	token VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	created_by BIGINT NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_by BIGINT, 
	used_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (token)
);
INSERT INTO "invite" VALUES(1,'tok-123','hx',10001,'2026-11-02 02:00:00.000000','2026-11-03 02:00:00.000000',NULL,NULL);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	chat_id BIGINT NOT NULL, 
	notice VARCHAR NOT NULL, 
	ticket_id INTEGER, 
	payload JSON NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	not_before DATETIME NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	lease_until DATETIME, 
	sent_at DATETIME, 
	sent_message_id INTEGER, 
	last_error VARCHAR, 
	failed_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
INSERT INTO "outbox" VALUES(1,3001,'offer',1,'{}',0,'2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(2,-1001234567890,'group_post',2,'{}',1,'2026-11-02 02:05:00.000000','2026-11-02 02:05:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(3,10001,'urgent_alert',2,'{}',1,'2026-11-02 02:05:00.000000','2026-11-02 02:05:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(4,10002,'urgent_alert',2,'{}',1,'2026-11-02 02:05:00.000000','2026-11-02 02:05:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(5,900,'claimed',1,'{"volunteer": "\u674e\u5efa\u56fd", "unit": "\u533a\u7a0e\u52a1\u5c40"}',0,'2026-11-02 02:10:00.000000','2026-11-02 02:10:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(6,3001,'details',1,'{}',0,'2026-11-02 02:10:00.000000','2026-11-02 02:10:00.000000','pending',0,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE pendinginput (
	user_id BIGINT NOT NULL, 
	kind VARCHAR NOT NULL, 
	ticket_id INTEGER, 
	draft_id INTEGER, 
	created_at DATETIME NOT NULL, 
	seq INTEGER NOT NULL, 
	state VARCHAR NOT NULL, 
	held_draft_id INTEGER, 
	PRIMARY KEY (user_id)
);
INSERT INTO "pendinginput" VALUES(777,'draft_text',NULL,1,'2026-11-02 02:00:00.000000',2,'waiting',NULL);
CREATE TABLE resident (
	id INTEGER NOT NULL, 
	tg_id BIGINT NOT NULL, 
	name VARCHAR NOT NULL, 
	phone VARCHAR, 
	phone_asked_at DATETIME, 
	community VARCHAR, 
	building VARCHAR, 
	unreachable BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "resident" VALUES(1,900,'王阿姨',NULL,NULL,'hx','b1',0,'2026-11-02 02:00:00.000000');
INSERT INTO "resident" VALUES(2,902,'王阿姨',NULL,NULL,'hx','b1',0,'2026-11-02 02:05:00.000000');
CREATE TABLE secret (
	name VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "secret" VALUES('block_key','cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd','2026-11-02 02:00:00.000000');
CREATE TABLE senderlease (
	id INTEGER NOT NULL, 
	holder VARCHAR NOT NULL, 
	until DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "senderlease" VALUES(1,'host:1234','2026-11-02 02:00:30.000000');
CREATE TABLE tally (
	community VARCHAR NOT NULL, 
	metric VARCHAR NOT NULL, 
	day INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	n INTEGER NOT NULL, 
	PRIMARY KEY (community, metric, day, "key")
);
INSERT INTO "tally" VALUES('hx','claimed',20261102,'',1);
INSERT INTO "tally" VALUES('hx','claims_by',20261102,'3001',1);
INSERT INTO "tally" VALUES('hx','judged',20261102,'2026-11-02',2);
INSERT INTO "tally" VALUES('hx','new',20261102,'repairs',1);
INSERT INTO "tally" VALUES('hx','new',20261102,'safety',1);
INSERT INTO "tally" VALUES('hx','responded',20261102,'2026-11-02',1);
CREATE TABLE tallystate (
	id INTEGER NOT NULL, 
	tz VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	built_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "tallystate" VALUES(1,'Asia/Shanghai',1,'2026-11-02 02:00:00.000000');
CREATE TABLE ticket (
	id INTEGER NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	routed_at DATETIME, 
	claimed_at DATETIME, 
	last_progress_at DATETIME, 
	resolved_at DATETIME, 
	closed_at DATETIME, 
	accept_due_at DATETIME, 
	due_at DATETIME, 
	overdue_at DATETIME, 
	next_action VARCHAR, 
	next_action_at DATETIME, 
	waiting_since DATETIME, 
	escalation_level INTEGER NOT NULL, 
	reminded_at DATETIME, 
	revisit_asked_at DATETIME, 
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
INSERT INTO "ticket" VALUES(1,NULL,'complaint','3号楼楼道灯坏了','repairs',0,0,'[]','claimed','hx','b1',NULL,NULL,'[]',NULL,NULL,1,1,0,NULL,NULL,'2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000','2026-11-02 02:10:00.000000',NULL,NULL,NULL,'2026-11-02 10:00:00.000000','2026-11-09 02:00:00.000000',NULL,'progress_reminder','2026-11-03 02:10:00.000000',NULL,0,NULL,NULL,0,NULL,NULL,NULL,NULL,2);
INSERT INTO "ticket" VALUES(2,NULL,'complaint','小区门口井盖松了，晚上很危险','safety',1,0,'[]','submitted','hx','b1',NULL,NULL,'[]',NULL,NULL,2,NULL,1,NULL,NULL,'2026-11-02 02:05:00.000000','2026-11-02 02:05:00.000000',NULL,NULL,NULL,NULL,'2026-11-02 10:05:00.000000','2026-11-02 04:05:00.000000',NULL,'overdue','2026-11-02 04:05:00.000000','2026-11-02 02:05:00.000000',0,NULL,NULL,0,NULL,NULL,NULL,NULL,1);
CREATE TABLE ticketevent (
	id INTEGER NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	actor_kind VARCHAR NOT NULL, 
	actor_tg_id BIGINT, 
	action VARCHAR NOT NULL, 
	from_status VARCHAR, 
	to_status VARCHAR, 
	note TEXT, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES ticket (id)
);
INSERT INTO "ticketevent" VALUES(1,1,'resident',900,'submit',NULL,'submitted',NULL,'2026-11-02 02:00:00.000000');
INSERT INTO "ticketevent" VALUES(2,1,'system',NULL,'route','submitted','assigned','李建国','2026-11-02 02:00:00.000000');
INSERT INTO "ticketevent" VALUES(3,2,'resident',902,'submit',NULL,'submitted',NULL,'2026-11-02 02:05:00.000000');
INSERT INTO "ticketevent" VALUES(4,2,'system',NULL,'offer_group','submitted','submitted',NULL,'2026-11-02 02:05:00.000000');
INSERT INTO "ticketevent" VALUES(5,1,'volunteer',3001,'accept','assigned','claimed',NULL,'2026-11-02 02:10:00.000000');
CREATE TABLE volunteer (
	id INTEGER NOT NULL, 
	tg_id BIGINT NOT NULL, 
	name VARCHAR NOT NULL, 
	unit VARCHAR NOT NULL, 
	community VARCHAR NOT NULL, 
	categories JSON NOT NULL, 
	buildings JSON NOT NULL, 
	max_open INTEGER NOT NULL, 
	active BOOLEAN NOT NULL, 
	unreachable BOOLEAN NOT NULL, 
	last_assigned_at DATETIME, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "volunteer" VALUES(1,3001,'李建国','区税务局','hx','["repairs"]','["b1"]',3,1,0,'2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000');
INSERT INTO "volunteer" VALUES(2,3002,'王芳','区税务局','hx','["elderly"]','[]',3,0,0,NULL,'2026-11-02 02:00:00.000000','2026-11-02 02:00:00.000000');
CREATE UNIQUE INDEX ix_resident_tg_id ON resident (tg_id);
CREATE INDEX ix_volunteer_community ON volunteer (community);
CREATE UNIQUE INDEX ix_volunteer_tg_id ON volunteer (tg_id);
CREATE INDEX ix_draft_user_status ON draft (user_id, status);
CREATE INDEX ix_draft_media_group_id ON draft (media_group_id);
CREATE INDEX ix_ticket_community_closed ON ticket (community, closed_at);
CREATE INDEX ix_ticket_unclaimed ON ticket (community, status, assignee_id, created_at);
CREATE INDEX ix_ticket_assignee_status ON ticket (assignee_id, status);
CREATE INDEX ix_ticket_due ON ticket (next_action_at);
CREATE INDEX ix_ticket_reporter_id ON ticket (reporter_id);
CREATE INDEX ix_ticket_community_status_due ON ticket (community, status, due_at);
CREATE INDEX ix_ticket_community_created ON ticket (community, created_at);
CREATE INDEX ix_event_ticket_at ON ticketevent (ticket_id, at);
CREATE INDEX ix_outbox_chat ON outbox (chat_id, status, id);
CREATE INDEX ix_outbox_failed ON outbox (failed_at);
CREATE INDEX ix_outbox_pending ON outbox (status, not_before);
CREATE INDEX ix_correction_ticket ON categorycorrection (ticket_id);
