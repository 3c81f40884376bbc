/* Windows events in their nested shape -> the flat event convention (used by sigma-scan;
 * not part of the library).
 *
 * Two inputs give the same flat object:
 *   - the nested JSON that EVTX converters emit, one object per event:
 *     {"Event": {"System": {...}, "EventData": {...}, "UserData": {...}}} or the content
 *     of "Event" itself; attributes as "#attributes" objects (evtx_dump) or "@name"
 *     members (xmltodict), element text as "#text";
 *   - the XML of one event record (<Event><System>...</System><EventData>...), as
 *     libevtx renders it; values are text there and get their JSON type back from
 *     their shape (see docs/cli.md, "Windows events").
 *
 * The flat convention (../shared/corpus/README.md): System header at top level
 * (Element text under its name, attributes as Element_Attribute: Provider_Name,
 * TimeCreated_SystemTime, Execution_ProcessID, ...; empty elements left out);
 * EventData <Data Name="X"> under X with spaces removed from the name, unnamed Data
 * under "Data" (a list when several), a non-empty Binary under "Binary"; UserData
 * without its one wrapper element, nested elements joined with '_', attributes as
 * Element_Attribute; a payload name that the System header already uses becomes
 * EventData_<name> / UserData_<name>.
 */
#ifndef SIGMA_EXAMPLES_WINDOWS_EVENT_H
#define SIGMA_EXAMPLES_WINDOWS_EVENT_H

#include <stddef.h>

#include <jansson.h>

/* Scratch memory reused from one event to the next. */
typedef struct windows_converter windows_converter;

windows_converter *windows_converter_new(void);
void windows_converter_free(windows_converter *c);

/* 1 when `root` has a top-level "Event" member that is an object holding a
 * "System" object (the nested shape), else 0. */
int windows_event_is_nested(const json_t *root);

/* Converts a nested JSON event ({"Event": {...}} or the Event content itself) to a
 * new flat object. NULL when it is not a Windows event (no "System" object) or
 * memory ran out; *why (if not NULL) then says why (valid until the next call). */
json_t *windows_event_from_json(windows_converter *c, const json_t *root, const char **why);

/* Converts the XML of one event (UTF-8, `len` bytes, need not be NUL-terminated)
 * to a new flat object. NULL on malformed XML, a root that is not <Event>, or no
 * memory; *why (if not NULL) then says why. */
json_t *windows_event_from_xml(windows_converter *c, const char *xml, size_t len, const char **why);

#endif
