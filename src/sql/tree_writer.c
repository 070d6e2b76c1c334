/*
 * eventos_parse_protobuf: libpg_query's pg_query_parse_protobuf_opts, with the parse tree
 * written as protobuf bytes directly instead of through upb.
 *
 * libpg_query builds a upb message per node and then has upb encode the whole tree. upb's
 * encoder visits every field of a message's table to find the ones set, and the Node message
 * is a oneof of some 270 members, so every node of every tree costs a scan of 270 fields:
 * two thirds of a parse of a migration history went there (perf, 2 cores). This writer walks
 * PostgreSQL's raw parse tree once, with libpg_query's own generated per-node field lists
 * (pg_query_outfuncs_defs.c and _conds.c, included below with our WRITE_* and OUT_NODE
 * definitions), and appends each set field to one growing buffer.
 *
 * The bytes decode to the same tree as upb's (src/sql/ffi.rs compares the two on every corpus
 * lint is tested on): proto3 rules, so zero scalars, empty strings and absent nodes are left
 * out; a present but empty node is an empty message; Bitmapset members are packed. Fields come
 * in the order libpg_query visits them, which decoders accept in any order.
 *
 * Errors are libpg_query's: the parser's error, PostgreSQL's stack depth check, and a tree
 * nested deeper than the decoder reads (see begin_message), reported with the message
 * libpg_query gives a tree too deep for upb.
 */

#include "pg_query.h"
#include "pg_query_internal.h"

#include "postgres.h"
#include "nodes/parsenodes.h"
#include "nodes/bitmapset.h"
#include "miscadmin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_writer_fields.h"

typedef struct TreeWriter
{
	char	   *buf;
	size_t		len;
	size_t		cap;
	int			depth;
} TreeWriter;

enum
{
	WIRE_VARINT = 0,
	WIRE_FIXED64 = 1,
	WIRE_BYTES = 2
};

/* The tree being written on this thread, reachable from the error path after a longjmp. */
static __thread TreeWriter writer;

static void
reserve(TreeWriter *w, size_t more)
{
	size_t		cap;
	char	   *grown;

	if (w->len + more <= w->cap)
		return;
	cap = w->cap ? w->cap : 1024;
	while (cap < w->len + more)
		cap *= 2;
	grown = realloc(w->buf, cap);
	if (grown == NULL)
		elog(ERROR, "out of memory");
	w->buf = grown;
	w->cap = cap;
}

static int
varint_size(uint64_t value)
{
	int			size = 1;

	while (value >= 0x80)
	{
		value >>= 7;
		size++;
	}
	return size;
}

static void
put_varint_at(char *at, uint64_t value)
{
	while (value >= 0x80)
	{
		*at++ = (char) ((value & 0x7f) | 0x80);
		value >>= 7;
	}
	*at = (char) value;
}

static void
put_varint(TreeWriter *w, uint64_t value)
{
	reserve(w, 10);
	put_varint_at(w->buf + w->len, value);
	w->len += varint_size(value);
}

static void
put_tag(TreeWriter *w, int field, int wire)
{
	put_varint(w, ((uint64_t) field << 3) | (uint64_t) wire);
}

static void
put_bytes(TreeWriter *w, int field, const char *data, size_t size)
{
	put_tag(w, field, WIRE_BYTES);
	put_varint(w, size);
	reserve(w, size);
	memcpy(w->buf + w->len, data, size);
	w->len += size;
}

/*
 * Opens a length-delimited field: one byte is kept for its length, which end_length writes
 * once the body is known (moving the body when the length needs more bytes).
 */
static size_t
begin_length(TreeWriter *w, int field)
{
	size_t		at;

	put_tag(w, field, WIRE_BYTES);
	reserve(w, 1);
	at = w->len++;
	return at;
}

static void
end_length(TreeWriter *w, size_t at)
{
	size_t		body = w->len - at - 1;
	int			size = varint_size(body);

	if (size > 1)
	{
		reserve(w, size - 1);
		memmove(w->buf + at + size, w->buf + at + 1, body);
		w->len += size - 1;
	}
	put_varint_at(w->buf + at, body);
}

/*
 * A submessage: a length-delimited field one level deeper. The pg_query crate's decoder
 * (prost) refuses messages nested more than DECODE_DEPTH_LIMIT deep, so a deeper tree is
 * refused here with libpg_query's message for trees too deep to serialise, instead of giving
 * bytes that cannot be read back.
 */
#define DECODE_DEPTH_LIMIT 100

static size_t
begin_message(TreeWriter *w, int field)
{
	if (++w->depth > DECODE_DEPTH_LIMIT)
		elog(ERROR, "parse tree is nested too deeply to serialize to protobuf");
	return begin_length(w, field);
}

static void
end_message(TreeWriter *w, size_t at)
{
	end_length(w, at);
	w->depth--;
}

static void
put_int64(TreeWriter *w, int field, int64_t value)
{
	if (value != 0)
	{
		put_tag(w, field, WIRE_VARINT);
		put_varint(w, (uint64_t) value);
	}
}

static void
put_uint64(TreeWriter *w, int field, uint64_t value)
{
	if (value != 0)
	{
		put_tag(w, field, WIRE_VARINT);
		put_varint(w, value);
	}
}

static void
put_bool(TreeWriter *w, int field, bool value)
{
	put_uint64(w, field, value ? 1 : 0);
}

static void
put_double(TreeWriter *w, int field, double value)
{
	uint64_t	bits;

	memcpy(&bits, &value, sizeof bits);
	if (bits != 0)
	{
		put_tag(w, field, WIRE_FIXED64);
		reserve(w, 8);
		for (int i = 0; i < 8; i++)
			w->buf[w->len++] = (char) (bits >> (8 * i));
	}
}

static void
put_string(TreeWriter *w, int field, const char *value)
{
	if (value != NULL && value[0] != '\0')
		put_bytes(w, field, value, strlen(value));
}

static void
put_char(TreeWriter *w, int field, char value)
{
	if (value != 0)
		put_bytes(w, field, &value, 1);
}

static void
put_bitmapset(TreeWriter *w, int field, const Bitmapset *set)
{
	int			member = -1;
	size_t		at;

	if (bms_is_empty(set))
		return;
	at = begin_length(w, field);
	while ((member = bms_next_member(set, member)) >= 0)
		put_varint(w, (uint64_t) member);
	end_length(w, at);
}

#define FIELD(msgtype, outname) PGQ_FIELD_##msgtype##__##outname

#define OUT_TYPE(typename, typename_c) TreeWriter *

#define WRITE_INT_FIELD(msgtype, outname, outname_json, fldname) \
	put_int64(out, FIELD(msgtype, outname), (int64_t) (int32_t) node->fldname);
#define WRITE_UINT_FIELD(msgtype, outname, outname_json, fldname) \
	put_uint64(out, FIELD(msgtype, outname), (uint32_t) node->fldname);
#define WRITE_UINT64_FIELD(msgtype, outname, outname_json, fldname) \
	put_uint64(out, FIELD(msgtype, outname), (uint64_t) node->fldname);
#define WRITE_LONG_FIELD(msgtype, outname, outname_json, fldname) \
	put_int64(out, FIELD(msgtype, outname), (int64_t) node->fldname);
#define WRITE_FLOAT_FIELD(msgtype, outname, outname_json, fldname) \
	put_double(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_BOOL_FIELD(msgtype, outname, outname_json, fldname) \
	put_bool(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_CHAR_FIELD(msgtype, outname, outname_json, fldname) \
	put_char(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_STRING_FIELD(msgtype, outname, outname_json, fldname) \
	put_string(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_ENUM_FIELD(msgtype, enumtype, outname, outname_json, fldname) \
	put_int64(out, FIELD(msgtype, outname), (int64_t) _enumToInt##enumtype(node->fldname));
#define WRITE_BITMAPSET_FIELD(msgtype, outname, outname_json, fldname) \
	put_bitmapset(out, FIELD(msgtype, outname), node->fldname);

#define WRITE_LIST_FIELD(msgtype, outname, outname_json, fldname) \
	put_node_list(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_NODE_FIELD(msgtype, outname, outname_json, fldname) \
	put_node(out, FIELD(msgtype, outname), &node->fldname);
#define WRITE_NODE_PTR_FIELD(msgtype, outname, outname_json, fldname) \
	if (node->fldname != NULL) \
		put_node(out, FIELD(msgtype, outname), node->fldname);
#define WRITE_SPECIFIC_NODE_FIELD(msgtype, typename, typename_underscore, outname, outname_json, fldname) \
	{ \
		size_t __at = begin_message(out, FIELD(msgtype, outname)); \
		_out##typename(out, &node->fldname); \
		end_message(out, __at); \
	}
#define WRITE_SPECIFIC_NODE_PTR_FIELD(msgtype, typename, typename_underscore, outname, outname_json, fldname) \
	if (node->fldname != NULL) \
	{ \
		size_t __at; \
		check_stack_depth(); \
		__at = begin_message(out, FIELD(msgtype, outname)); \
		_out##typename(out, node->fldname); \
		end_message(out, __at); \
	}

static void write_node(TreeWriter *out, const void *obj);

/* A Node field: the Node message, holding the node as its one member (empty for NULL). */
static void
put_node(TreeWriter *out, int field, const void *obj)
{
	size_t		at = begin_message(out, field);

	write_node(out, obj);
	end_message(out, at);
}

static void
put_node_list(TreeWriter *out, int field, const List *list)
{
	const ListCell *lc;

	if (list == NULL)
		return;
	foreach(lc, list)
		put_node(out, field, lfirst(lc));
}

static void
_outList(TreeWriter *out, const List *node)
{
	put_node_list(out, FIELD(List, items), node);
}

static void
_outIntList(TreeWriter *out, const List *node)
{
	put_node_list(out, FIELD(IntList, items), node);
}

static void
_outOidList(TreeWriter *out, const List *node)
{
	put_node_list(out, FIELD(OidList, items), node);
}

static void
_outInteger(TreeWriter *out, const Integer *node)
{
	put_int64(out, FIELD(Integer, ival), node->ival);
}

static void
_outFloat(TreeWriter *out, const Float *node)
{
	put_string(out, FIELD(Float, fval), node->fval);
}

static void
_outBoolean(TreeWriter *out, const Boolean *node)
{
	put_bool(out, FIELD(Boolean, boolval), node->boolval);
}

static void
_outString(TreeWriter *out, const String *node)
{
	put_string(out, FIELD(String, sval), node->sval);
}

static void
_outBitString(TreeWriter *out, const BitString *node)
{
	put_string(out, FIELD(BitString, bsval), node->bsval);
}

/* A_Const: its value as the member of its oneof that the value's node type names. */
static void
_outAConst(TreeWriter *out, const A_Const *node)
{
	size_t		at;

	put_bool(out, FIELD(A_Const, isnull), node->isnull);
	put_int64(out, FIELD(A_Const, location), node->location);
	if (node->isnull)
		return;
	switch (nodeTag(&node->val.node))
	{
		case T_Integer:
			at = begin_message(out, FIELD(A_Const, ival));
			_outInteger(out, &node->val.ival);
			break;
		case T_Float:
			at = begin_message(out, FIELD(A_Const, fval));
			_outFloat(out, &node->val.fval);
			break;
		case T_Boolean:
			at = begin_message(out, FIELD(A_Const, boolval));
			_outBoolean(out, &node->val.boolval);
			break;
		case T_String:
			at = begin_message(out, FIELD(A_Const, sval));
			_outString(out, &node->val.sval);
			break;
		case T_BitString:
			at = begin_message(out, FIELD(A_Const, bsval));
			_outBitString(out, &node->val.bsval);
			break;
		default:
			return;
	}
	end_message(out, at);
}

#include "pg_query_enum_defs.c"
#include "pg_query_outfuncs_defs.c"

#define OUT_NODE(typename, typename_c, typename_underscore, typename_underscore_upcase, typename_cast, fldname) \
	{ \
		size_t __at = begin_message(out, PGQ_FIELD_Node__##fldname); \
		_out##typename_c(out, (const typename_cast *) obj); \
		end_message(out, __at); \
	}

/* The members of a Node message for `obj` (nothing for NULL or an unknown node type). */
static void
write_node(TreeWriter *out, const void *obj)
{
	check_stack_depth();
	if (obj == NULL)
		return;
	switch (nodeTag(obj))
	{
#include "pg_query_outfuncs_conds.c"
		default:
			return;
	}
}

static void
write_parse_result(TreeWriter *out, const List *stmts)
{
	const ListCell *lc;

	put_int64(out, FIELD(ParseResult, version), PG_VERSION_NUM);
	if (stmts == NULL)
		return;
	foreach(lc, stmts)
	{
		size_t		at = begin_message(out, FIELD(ParseResult, stmts));

		_outRawStmt(out, lfirst(lc));
		end_message(out, at);
	}
}

/* A malloc'd copy of the error being handled (the caller frees it as libpg_query's own). */
static PgQueryError *
copy_current_error(MemoryContext ctx)
{
	ErrorData  *data;
	PgQueryError *error;

	MemoryContextSwitchTo(ctx);
	data = CopyErrorData();
	error = malloc(sizeof(PgQueryError));
	error->message = strdup(data->message);
	error->filename = strdup(data->filename);
	error->funcname = strdup(data->funcname);
	error->context = NULL;
	error->lineno = data->lineno;
	error->cursorpos = data->cursorpos;
	FlushErrorState();
	return error;
}

PgQueryProtobufParseResult
eventos_parse_protobuf(const char *input, int parser_options)
{
	PgQueryProtobufParseResult result = {0};
	PgQueryInternalParsetreeAndError parsed;
	MemoryContext ctx = pg_query_enter_memory_context();

	parsed = pg_query_raw_parse(input, parser_options);
	result.stderr_buffer = parsed.stderr_buffer;
	result.error = parsed.error;
	if (result.error == NULL)
	{
		memset(&writer, 0, sizeof writer);
		/* Only the thread-local writer changes inside PG_TRY (nothing a longjmp can undo). */
		PG_TRY();
		{
			write_parse_result(&writer, parsed.tree);
		}
		PG_CATCH();
		{
			free(writer.buf);
			memset(&writer, 0, sizeof writer);
			result.error = copy_current_error(ctx);
		}
		PG_END_TRY();
		if (result.error == NULL)
		{
			result.parse_tree.len = writer.len;
			result.parse_tree.data = writer.buf;
			writer.buf = NULL;
		}
	}
	pg_query_exit_memory_context(ctx);
	return result;
}
