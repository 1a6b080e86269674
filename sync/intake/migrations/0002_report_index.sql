-- Version 2: the monthly report and the status API scan by submission time.
CREATE INDEX dossiers_first_at ON dossiers (first_at);
