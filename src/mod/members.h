/*
 * members.h - the registry (members.c): the member record as an object
 * route's object, and what corrections.c shares with the record's edit.
 */
#ifndef ZHIBU_MOD_MEMBERS_H
#define ZHIBU_MOD_MEMBERS_H

struct member_rec;

/* The member record as an object kind: on its branch (org) and the host
 * organisation of a migrant member (org2); the member themself is PARTY_SELF. */
extern const struct object_kind member_kind;
/* The member of an object route, authorised by the dispatcher: loads its
 * fields (with the personal data opened when personal); 0 or the error. */
int member_get(struct req *req, struct member_rec *m, bool personal);
/* Applies the record fields present in vals onto m (a JSON null clears). */
void member_fields_apply(struct member_rec *m, const struct value *vals, size_t n);
/* member_validate plus the references: party group of the branch, host
 * organisation, ID number unique (member_fields_check + member_id_check).
 * 0 or the error status. */
int member_record_check(struct req *req, struct member_rec *m);
/* member_record_check without the ID number's uniqueness; member_id_check is
 * that: member.duplicate for a holder within reach, member.needs_review
 * (audited, saying nothing of where) beyond it, unless defer_beyond (a
 * member's own proposal: the same outcome as a new number, checked again
 * when the secretary decides). 0 or the error status. */
int member_fields_check(struct req *req, struct member_rec *m);
int member_id_check(struct req *req, const struct member_rec *m, bool defer_beyond);
/* The fields a member may propose to correct on their own record (+ note). */
extern const struct param member_correction_fields[];

#endif
