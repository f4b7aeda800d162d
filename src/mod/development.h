/*
 * development.h - 发展党员 (development.c): what other files use of the
 * applicant pipeline.
 */
#ifndef ZHIBU_MOD_DEVELOPMENT_H
#define ZHIBU_MOD_DEVELOPMENT_H

/* A start-up job (cmd_serve, as idem_seal_legacy): seals applicants' end
 * reasons and step notes that rows written before migration 0013 keep in
 * plain text. Returns the rows sealed, -1 on failure. */
int applicants_seal_legacy(struct db *db);

#endif
