/* RFC 5546 restriction check with libical (icalrestriction_check), the check libical-based
 * servers and clients (Evolution, Cyrus) run on iTIP messages. Reads one iCalendar object on
 * stdin; prints every problem libical finds (X-LIC-ERROR) and exits 1 if there is any. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_all(FILE *in) {
    size_t size = 0, cap = 65536;
    char *text = malloc(cap);
    size_t got;
    while (text && (got = fread(text + size, 1, cap - size - 1, in)) > 0) {
        size += got;
        if (size + 1 == cap) text = realloc(text, cap *= 2);
    }
    if (text) text[size] = '\0';
    return text;
}

static int report_errors(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
         p; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        printf("%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
               icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
         c; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        errors += report_errors(c);
    }
    return errors;
}

int main(void) {
    char *text = read_all(stdin);
    icalcomponent *calendar = text ? icalparser_parse_string(text) : NULL;
    if (!calendar || icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) {
        printf("not a VCALENDAR: %s\n", icalerror_strerror(icalerrno));
        return 2;
    }
    int passed = icalrestriction_check(calendar);
    int errors = report_errors(calendar);
    printf("method %s, restriction check %s, %d error(s)\n",
           icalproperty_method_to_string(icalcomponent_get_method(calendar)),
           passed ? "passed" : "failed", errors);
    icalcomponent_free(calendar);
    free(text);
    return passed && errors == 0 ? 0 : 1;
}
