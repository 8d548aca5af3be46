-- Sources that hold an evaluation corpus (a BEIR folder ingested by an evaluation run) are searched only when a
-- search names them: chat, the agent's search tool and unfiltered searches leave them out.
ALTER TABLE source ADD COLUMN evaluation boolean NOT NULL DEFAULT false;
