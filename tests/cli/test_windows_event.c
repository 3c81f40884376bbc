/* windows_event: nested Windows events (XML as libevtx renders it, and nested JSON as
 * evtx converters emit it) -> flat objects in the corpus convention. Runs without
 * libevtx: the XML is given as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"
#include "windows_event.h"

static windows_converter *conv;

/* Compares a flat object with the expected JSON text (keys, values and types). */
static int same_json(const json_t *got, const char *want_text, const char *what, int line)
{
    json_error_t err;
    json_t *want = json_loads(want_text, 0, &err);
    if (!want) {
        fprintf(stderr, "line %d: bad expected JSON for %s: %s\n", line, what, err.text);
        return 0;
    }
    int ok = got && json_equal(got, want);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "line %d: %s\n  got:  %s\n  want: %s\n", line, what, g ? g : "(null)",
                w ? w : "?");
        free(g);
        free(w);
    }
    json_decref(want);
    return ok;
}

static json_t *from_xml(const char *xml, const char **why)
{
    return windows_event_from_xml(conv, xml, strlen(xml), why);
}

#define CHECK_XML(xml, want)                                                                       \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        json_t *got_ = from_xml(xml, &why_);                                                       \
        CHECK_MSG(got_ != NULL, "conversion failed: %s", why_ ? why_ : "?");                       \
        CHECK(same_json(got_, want, "XML", __LINE__));                                             \
        json_decref(got_);                                                                         \
    } while (0)

#define CHECK_JSON(input, want)                                                                    \
    do {                                                                                           \
        json_error_t e_;                                                                           \
        json_t *in_ = json_loads(input, 0, &e_);                                                   \
        CHECK_MSG(in_ != NULL, "bad input JSON: %s", e_.text);                                     \
        const char *why_ = NULL;                                                                   \
        json_t *got_ = in_ ? windows_event_from_json(conv, in_, &why_) : NULL;                     \
        CHECK_MSG(got_ != NULL, "conversion failed: %s", why_ ? why_ : "?");                       \
        CHECK(same_json(got_, want, "JSON", __LINE__));                                            \
        json_decref(got_);                                                                         \
        json_decref(in_);                                                                          \
    } while (0)

#define CHECK_XML_FAILS(xml, fragment)                                                             \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        json_t *got_ = from_xml(xml, &why_);                                                       \
        CHECK_MSG(got_ == NULL, "should fail: %s", xml);                                           \
        CHECK_MSG(why_ &&strstr(why_, fragment), "reason %s, want %s", why_ ? why_ : "(none)",     \
                  fragment);                                                                       \
        json_decref(got_);                                                                         \
    } while (0)

/* A Sysmon process creation as libevtx renders it (from a corpus EVTX file). */
static const char sysmon_xml[] =
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
    "  <System>\n"
    "    <Provider Name=\"Microsoft-Windows-Sysmon\" "
    "Guid=\"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}\"/>\n"
    "    <EventID>1</EventID>\n"
    "    <Version>5</Version>\n"
    "    <Level>4</Level>\n"
    "    <Task>1</Task>\n"
    "    <Opcode>0</Opcode>\n"
    "    <Keywords>0x8000000000000000</Keywords>\n"
    "    <TimeCreated SystemTime=\"2025-11-26T05:11:27.927693700Z\"/>\n"
    "    <EventRecordID>142649</EventRecordID>\n"
    "    <Correlation/>\n"
    "    <Execution ProcessID=\"3544\" ThreadID=\"4264\"/>\n"
    "    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>\n"
    "    <Computer>swachchhanda</Computer>\n"
    "    <Security UserID=\"S-1-5-18\"/>\n"
    "  </System>\n"
    "  <EventData>\n"
    "    <Data Name=\"RuleName\">-</Data>\n"
    "    <Data Name=\"ProcessGuid\">{0197231E-8BFF-6926-1308-000000000D00}</Data>\n"
    "    <Data Name=\"ProcessId\">10116</Data>\n"
    "    <Data Name=\"Image\">C:\\Windows\\System32\\inetsrv\\appcmd.exe</Data>\n"
    "    <Data Name=\"CommandLine\">appcmd.exe add module /name:x &amp; echo &lt;ok&gt; </Data>\n"
    "    <Data Name=\"LogonId\">0x00000000003b5e64</Data>\n"
    "    <Data Name=\"TerminalSessionId\">1</Data>\n"
    "    <Data Name=\"ParentImage\">C:\\Windows\\System32\\inetsrv\\w3wp.exe</Data>\n"
    "    <Data Name=\"ParentCommandLine\">\"C:\\WINDOWS\\system32\\cmd.exe\" </Data>\n"
    "    <Data Name=\"Version\">9.01</Data>\n"
    "  </EventData>\n"
    "</Event>\n";

static const char sysmon_flat[] =
    "{\"Provider_Name\": \"Microsoft-Windows-Sysmon\","
    " \"Provider_Guid\": \"5770385F-C22A-43E0-BF4C-06F5698FFBD9\", \"EventID\": 1,"
    " \"Version\": 5, \"Level\": 4, \"Task\": 1, \"Opcode\": 0,"
    " \"Keywords\": \"0x8000000000000000\","
    " \"TimeCreated_SystemTime\": \"2025-11-26T05:11:27.927693Z\", \"EventRecordID\": 142649,"
    " \"Execution_ProcessID\": 3544, \"Execution_ThreadID\": 4264,"
    " \"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Computer\": \"swachchhanda\","
    " \"Security_UserID\": \"S-1-5-18\", \"RuleName\": \"-\","
    " \"ProcessGuid\": \"0197231E-8BFF-6926-1308-000000000D00\", \"ProcessId\": 10116,"
    " \"Image\": \"C:\\\\Windows\\\\System32\\\\inetsrv\\\\appcmd.exe\","
    " \"CommandLine\": \"appcmd.exe add module /name:x & echo <ok> \","
    " \"LogonId\": \"0x3b5e64\", \"TerminalSessionId\": 1,"
    " \"ParentImage\": \"C:\\\\Windows\\\\System32\\\\inetsrv\\\\w3wp.exe\","
    " \"ParentCommandLine\": \"\\\"C:\\\\WINDOWS\\\\system32\\\\cmd.exe\\\" \","
    " \"EventData_Version\": \"9.01\"}";

static void test_sysmon(void)
{
    CHECK_XML(sysmon_xml, sysmon_flat);

    /* The same event as evtx_dump writes it, and as xmltodict writes it. */
    CHECK_JSON(
        "{\"Event\": {\"#attributes\": {\"xmlns\": \"http://schemas.microsoft.com/win/2004/08/"
        "events/event\"}, \"System\": {\"Provider\": {\"#attributes\": {\"Name\": "
        "\"Microsoft-Windows-Sysmon\", \"Guid\": \"5770385F-C22A-43E0-BF4C-06F5698FFBD9\"}}, "
        "\"EventID\": 1, \"Version\": 5, \"Level\": 4, \"Task\": 1, \"Opcode\": 0, \"Keywords\": "
        "\"0x8000000000000000\", \"TimeCreated\": {\"#attributes\": {\"SystemTime\": "
        "\"2025-11-26T05:11:27.927693Z\"}}, \"EventRecordID\": 142649, \"Correlation\": null, "
        "\"Execution\": {\"#attributes\": {\"ProcessID\": 3544, \"ThreadID\": 4264}}, "
        "\"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Computer\": \"swachchhanda\", "
        "\"Security\": {\"#attributes\": {\"UserID\": \"S-1-5-18\"}}}, \"EventData\": "
        "{\"RuleName\": \"-\", \"ProcessGuid\": \"0197231E-8BFF-6926-1308-000000000D00\", "
        "\"ProcessId\": 10116, \"Image\": \"C:\\\\Windows\\\\System32\\\\inetsrv\\\\appcmd.exe\", "
        "\"CommandLine\": \"appcmd.exe add module /name:x & echo <ok> \", \"LogonId\": "
        "\"0x3b5e64\", \"TerminalSessionId\": 1, \"ParentImage\": "
        "\"C:\\\\Windows\\\\System32\\\\inetsrv\\\\w3wp.exe\", \"ParentCommandLine\": "
        "\"\\\"C:\\\\WINDOWS\\\\system32\\\\cmd.exe\\\" \", \"Version\": \"9.01\"}}}",
        sysmon_flat);

    CHECK_JSON("{\"Event\": {\"@xmlns\": \"x\", \"System\": {\"Provider\": {\"@Name\": "
               "\"Microsoft-Windows-Sysmon\"}, \"EventID\": \"1\", \"Channel\": "
               "\"Microsoft-Windows-Sysmon/Operational\"}, \"EventData\": {\"Data\": ["
               "{\"@Name\": \"Image\", \"#text\": \"C:\\\\x\\\\appcmd.exe\"}, "
               "{\"@Name\": \"Parent Image\", \"#text\": \"w3wp.exe\"}, "
               "{\"@Name\": \"Empty\"}]}}}",
               "{\"Provider_Name\": \"Microsoft-Windows-Sysmon\", \"EventID\": 1, \"Channel\": "
               "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\x\\\\appcmd.exe\", "
               "\"ParentImage\": \"w3wp.exe\", \"Empty\": \"\"}");

    /* Without the "Event" wrapper. */
    CHECK_JSON("{\"System\": {\"EventID\": {\"#attributes\": {\"Qualifiers\": 16384}, "
               "\"#text\": 7036}, \"Channel\": \"System\"}, \"EventData\": {\"param1\": \"x\"}}",
               "{\"EventID\": 7036, \"EventID_Qualifiers\": 16384, \"Channel\": \"System\", "
               "\"param1\": \"x\"}");
}

static void test_value_types(void)
{
    CHECK_XML("<Event><System><Provider Name='P'/><EventID Qualifiers='16384'>7045</EventID>"
              "<Computer>1234</Computer><Channel>42</Channel></System><EventData>"
              "<Data Name='Neg'>-5</Data><Data Name='Zero'>0</Data>"
              "<Data Name='Lead'>007</Data><Data Name='MinusZero'>-0</Data>"
              "<Data Name='Big'>99999999999999999999</Data><Data Name='Plus'>+5</Data>"
              "<Data Name='Spaced'> 5</Data><Data Name='True'>true</Data>"
              "<Data Name='False'>false</Data><Data Name='TrueCap'>True</Data>"
              "<Data Name='Guid'>{00000000-0000-0000-0000-00000000ABCD}</Data>"
              "<Data Name='GuidLower'>{0000000a-0000-0000-0000-000000000000}</Data>"
              "<Data Name='Hex32'>0x000001f4</Data><Data Name='Hex64'>0x0000000000000000</Data>"
              "<Data Name='HexShort'>0x01f4</Data><Data Name='HexUpper'>0x000001F4</Data>"
              "<Data Name='Time'>2020-01-02T03:04:05.123456789Z</Data>"
              "<Data Name='Time7'>2020-01-02T03:04:05.1234567Z</Data>"
              "<Data Name='Time3'>2020-01-02T03:04:05.123Z</Data>"
              "<Data Name='Float'>1.5</Data><Data Name='Empty'></Data><Data Name='Empty2'/>"
              "<Data Name='Sid'>S-1-5-18</Data>"
              "</EventData></Event>",
              "{\"Provider_Name\": \"P\", \"EventID\": 7045, \"EventID_Qualifiers\": 16384,"
              " \"Computer\": \"1234\", \"Channel\": \"42\", \"Neg\": -5, \"Zero\": 0,"
              " \"Lead\": \"007\", \"MinusZero\": \"-0\", \"Big\": \"99999999999999999999\","
              " \"Plus\": \"+5\", \"Spaced\": \" 5\", \"True\": true, \"False\": false,"
              " \"TrueCap\": \"True\", \"Guid\": \"00000000-0000-0000-0000-00000000ABCD\","
              " \"GuidLower\": \"{0000000a-0000-0000-0000-000000000000}\","
              " \"Hex32\": \"0x1f4\", \"Hex64\": \"0x0\", \"HexShort\": \"0x01f4\","
              " \"HexUpper\": \"0x000001F4\", \"Time\": \"2020-01-02T03:04:05.123456Z\","
              " \"Time7\": \"2020-01-02T03:04:05.123456Z\","
              " \"Time3\": \"2020-01-02T03:04:05.123Z\", \"Float\": \"1.5\", \"Empty\": \"\","
              " \"Empty2\": \"\", \"Sid\": \"S-1-5-18\"}");

    /* Fields that are strings in their manifests stay strings. */
    CHECK_XML("<Event><System><Provider Name='Microsoft-Windows-Sysmon'/></System><EventData>"
              "<Data Name='Details'>{00000001-0000-0000-0000-0000FEEDACDC}</Data>"
              "<Data Name='Signed'>true</Data><Data Name='QueryStatus'>0</Data>"
              "<Data Name='StartAddress'>0x00060000</Data><Data Name='param1'>30000</Data>"
              "<Data Name='param10'>1</Data><Data Name='paramX'>1</Data>"
              "<Data Name='SourcePort'>443</Data></EventData></Event>",
              "{\"Provider_Name\": \"Microsoft-Windows-Sysmon\","
              " \"Details\": \"{00000001-0000-0000-0000-0000FEEDACDC}\", \"Signed\": \"true\","
              " \"QueryStatus\": \"0\", \"StartAddress\": \"0x00060000\", \"param1\": \"30000\","
              " \"param10\": \"1\", \"paramX\": 1, \"SourcePort\": 443}");
    CHECK_XML("<Event><System><Provider Name='Microsoft-Windows-Security-Auditing'/>"
              "<EventID>5156</EventID></System><EventData><Data Name='SourcePort'>443</Data>"
              "<Data Name='LogonType'>3</Data></EventData></Event>",
              "{\"Provider_Name\": \"Microsoft-Windows-Security-Auditing\", \"EventID\": 5156,"
              " \"SourcePort\": \"443\", \"LogonType\": 3}");
    CHECK_XML("<Event><System><Provider Name='Microsoft-Windows-Windows Defender'/>"
              "<EventID>1116</EventID></System><EventData><Data Name='Threat ID'>2147725349</Data>"
              "<Data Name='Severity ID'>5</Data></EventData></Event>",
              "{\"Provider_Name\": \"Microsoft-Windows-Windows Defender\", \"EventID\": 1116,"
              " \"ThreatID\": \"2147725349\", \"SeverityID\": \"5\"}");
}

static void test_payload_shapes(void)
{
    /* Unnamed Data (strings, a list when several), Binary in upper case. */
    CHECK_XML("<Event><System><EventID>18456</EventID></System><EventData><Data>sa</Data>"
              "<Data>12</Data><Data></Data><Binary>18aB00</Binary></EventData></Event>",
              "{\"EventID\": 18456, \"Data\": [\"sa\", \"12\", \"\"], \"Binary\": \"18AB00\"}");
    CHECK_XML("<Event><System><EventID>1</EventID></System><EventData><Data>42</Data>"
              "<Binary></Binary></EventData></Event>",
              "{\"EventID\": 1, \"Data\": \"42\"}");
    CHECK_JSON("{\"Event\": {\"System\": {\"EventID\": 1}, \"EventData\": {\"Data\": {\"#text\": "
               "[\"a\", \"b\"]}, \"Binary\": \"00AA\"}}}",
               "{\"EventID\": 1, \"Data\": [\"a\", \"b\"], \"Binary\": \"00AA\"}");

    /* UserData: the wrapper is skipped; collisions with System get a prefix. */
    CHECK_XML("<Event><System><Provider Name='Microsoft-Windows-Eventlog'/><EventID>104</EventID>"
              "<Channel>System</Channel></System><UserData><LogFileCleared "
              "xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
              "<SubjectUserName>bob</SubjectUserName><Channel>Security</Channel>"
              "<BackupPath></BackupPath><Empty/></LogFileCleared></UserData></Event>",
              "{\"Provider_Name\": \"Microsoft-Windows-Eventlog\", \"EventID\": 104,"
              " \"Channel\": \"System\", \"SubjectUserName\": \"bob\","
              " \"UserData_Channel\": \"Security\", \"BackupPath\": \"\", \"Empty\": \"\"}");
    CHECK_JSON("{\"Event\": {\"System\": {\"EventID\": 104, \"Channel\": \"System\"}, "
               "\"UserData\": {\"LogFileCleared\": {\"#attributes\": {\"xmlns\": \"x\"}, "
               "\"SubjectUserName\": \"bob\", \"Channel\": \"Security\", \"BackupPath\": null}}}}",
               "{\"EventID\": 104, \"Channel\": \"System\", \"SubjectUserName\": \"bob\","
               " \"UserData_Channel\": \"Security\", \"BackupPath\": \"\"}");
    /* Nested UserData elements joined with '_', attributes as Element_Attribute. */
    CHECK_XML("<Event><System><Provider Name='Microsoft-Windows-CAPI2'/></System><UserData>"
              "<CertGetCertificateChain><Certificate fileRef='A.cer' subjectName='host'/>"
              "<Flags value='10000' CRYPT_FLAG='true'/><Result value='0'>done</Result>"
              "<Outer><Inner Attr='1'>x</Inner></Outer></CertGetCertificateChain></UserData>"
              "</Event>",
              "{\"Provider_Name\": \"Microsoft-Windows-CAPI2\", \"Certificate_fileRef\": \"A.cer\","
              " \"Certificate_subjectName\": \"host\", \"Flags_value\": \"10000\","
              " \"Flags_CRYPT_FLAG\": \"true\", \"Result\": \"done\", \"Result_value\": \"0\","
              " \"Outer_Inner\": \"x\", \"Outer_Inner_Attr\": \"1\"}");
    /* Other sections: ProcessingErrorData kept with its name, RenderingInfo dropped. */
    CHECK_XML("<Event><System><EventID>91</EventID></System><ProcessingErrorData>"
              "<ErrorCode>15005</ErrorCode><DataItemName>shellId</DataItemName>"
              "</ProcessingErrorData><RenderingInfo Culture='en-US'><Message>m</Message>"
              "</RenderingInfo></Event>",
              "{\"EventID\": 91, \"ProcessingErrorData_ErrorCode\": 15005,"
              " \"ProcessingErrorData_DataItemName\": \"shellId\"}");
    /* The same name twice in the payload: a list. */
    CHECK_XML("<Event><System/><EventData><Data Name='A'>1</Data><Data Name='A'>x</Data>"
              "</EventData></Event>",
              "{\"A\": [1, \"x\"]}");
}

static void test_xml_syntax(void)
{
    /* Declaration, comments, CDATA, character references, single quotes, prefixes. */
    CHECK_XML("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n"
              "<ns:Event xmlns:ns='urn:x'><System><Computer>h&#233;&#xE9;&#x1F600;</Computer>"
              "</System><EventData><Data Name=\"A&amp;B\">a<![CDATA[<b>&amp;]]>c<!-- x -->d"
              "</Data><Data Name='Bad'>&bogus; &#0; &#xD800; & &#12</Data></EventData>"
              "</ns:Event>\n<!-- trailing -->\n",
              "{\"Computer\": \"h\xC3\xA9\xC3\xA9\xF0\x9F\x98\x80\", \"A&B\": \"a<b>&amp;cd\","
              " \"Bad\": \"&bogus; &#0; &#xD800; & &#12\"}");

    CHECK_XML_FAILS("", "malformed XML");
    CHECK_XML_FAILS("<Event><System></Event>", "mismatched end tag");
    CHECK_XML_FAILS("<Event><System>", "unterminated");
    CHECK_XML_FAILS("<Event a=1></Event>", "quotes");
    CHECK_XML_FAILS("<Event a='1></Event>", "unterminated attribute");
    CHECK_XML_FAILS("<Event></Event>junk", "after the root");
    CHECK_XML_FAILS("<Other/>", "not <Event>");
    CHECK_XML_FAILS("<Event><![CDATA[x</Event>", "CDATA");

    /* Deep nesting is refused, not a stack overflow. */
    size_t depth = 5000;
    char *deep = malloc(depth * 7 + 64);
    if (deep) {
        char *p = deep;
        p += sprintf(p, "<Event>");
        for (size_t i = 0; i < depth; i++)
            p += sprintf(p, "<a>");
        for (size_t i = 0; i < depth; i++)
            p += sprintf(p, "</a>");
        sprintf(p, "</Event>");
        CHECK_XML_FAILS(deep, "nested too deeply");
        free(deep);
    }

    /* Invalid UTF-8 in text becomes U+FFFD (the event stays printable JSON). */
    CHECK_XML("<Event><System/><EventData><Data Name='X'>a\xFF"
              "b</Data></EventData></Event>",
              "{\"X\": \"a\xEF\xBF\xBD"
              "b\"}");

    /* Not NUL-terminated input: only `len` bytes are read. */
    const char text[] = "<Event><System><EventID>4</EventID></System></Event>GARBAGE";
    json_t *got = windows_event_from_xml(conv, text, strlen(text) - 7, NULL);
    CHECK(same_json(got, "{\"EventID\": 4}", "length-limited", __LINE__));
    json_decref(got);
}

static void test_json_shapes(void)
{
    json_t *flat = json_loads("{\"Event\": \"x\", \"EventID\": 1}", 0, NULL);
    CHECK(!windows_event_is_nested(flat));
    const char *why = NULL;
    json_t *got = windows_event_from_json(conv, flat, &why);
    CHECK(got == NULL);
    CHECK_MSG(why && strstr(why, "not a Windows event"), "reason %s", why ? why : "(none)");
    json_decref(flat);

    json_t *nested = json_loads("{\"Event\": {\"System\": {\"EventID\": 1}}}", 0, NULL);
    CHECK(windows_event_is_nested(nested));
    json_decref(nested);
    json_t *other = json_loads("{\"Event\": {\"Name\": \"login\"}}", 0, NULL);
    CHECK(!windows_event_is_nested(other));
    json_decref(other);

    /* Provider as a plain object, System values as strings other than EventID kept. */
    CHECK_JSON("{\"Event\": {\"System\": {\"Provider\": {\"Name\": \"P\", \"Guid\": \"G\"}, "
               "\"EventID\": \"4688\", \"Level\": \"0\", \"Correlation\": {}, \"Security\": "
               "{\"#attributes\": {\"UserID\": null}}, \"Computer\": \"\"}, "
               "\"EventData\": {\"Threat Name\": \"Bad\", \"Level\": 2, \"Nested\": {\"A\": 1, "
               "\"#attributes\": {\"B\": \"b\"}}}}}",
               "{\"Provider_Name\": \"P\", \"Provider_Guid\": \"G\", \"EventID\": 4688,"
               " \"Level\": \"0\", \"ThreatName\": \"Bad\", \"EventData_Level\": 2,"
               " \"Nested_B\": \"b\", \"Nested_A\": 1}");
}

int main(void)
{
    conv = windows_converter_new();
    if (!conv)
        return 1;
    test_sysmon();
    test_value_types();
    test_payload_shapes();
    test_xml_syntax();
    test_json_shapes();
    /* The converter is reused: a big event after small ones, then small again. */
    for (int round = 0; round < 3; round++) {
        size_t n = round == 1 ? 20000 : 10;
        char *xml = malloc(n * 40 + 64);
        if (!xml)
            break;
        char *p = xml + sprintf(xml, "<Event><System/><EventData>");
        for (size_t i = 0; i < n; i++)
            p += sprintf(p, "<Data Name='F%zu'>v%zu</Data>", i, i);
        sprintf(p, "</EventData></Event>");
        json_t *got = from_xml(xml, NULL);
        CHECK(got && json_object_size(got) == n);
        json_decref(got);
        free(xml);
    }
    windows_converter_free(conv);
    return TEST_DONE();
}
