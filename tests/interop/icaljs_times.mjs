// Read calendars with Mozilla's ical.js (the parser of Thunderbird's calendar) and print
// each event's UID, start and end as Unix seconds, resolved through the file's own VTIMEZONE.
// Input on stdin: a JSON list of iCalendar texts. Output: a JSON list, one list per text.
import ICAL from "ical.js";

function eventsOf(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  // A fresh registry per file: only the file's own VTIMEZONE may decide the times.
  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      zone: event.startDate.zone.tzid,
      start: event.startDate.toUnixTime(),
      end: event.endDate.toUnixTime(),
      method: calendar.getFirstPropertyValue("method"),
    };
  });
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(eventsOf)));
});
