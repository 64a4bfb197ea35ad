/**
 * A schedule in words for the jobs table ("every 5 minutes", "at 02:30 on Mon–Fri"). Covers the
 * common shapes of 5/6-field cron and the macros; anything else is described as "custom cron"
 * (the table shows the cron text next to it anyway). Pure.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MACROS: Record<string, string> = {
  '@yearly': 'once a year (1 Jan, 00:00)',
  '@annually': 'once a year (1 Jan, 00:00)',
  '@monthly': 'once a month (1st, 00:00)',
  '@weekly': 'once a week (Sun 00:00)',
  '@daily': 'every day at 00:00',
  '@midnight': 'every day at 00:00',
  '@hourly': 'every hour',
  '@manual': 'only when run by hand',
};

const pad = (n: string) => n.padStart(2, '0');
const isNum = (s: string) => /^\d+$/.test(s);

function dayText(dow: string): string | undefined {
  if (dow === '*' || dow === '?') return undefined;
  const range = /^(\d)-(\d)$/.exec(dow);
  if (range) return `${DAYS[Number(range[1])]}–${DAYS[Number(range[2])]}`;
  if (/^\d(,\d)*$/.test(dow))
    return dow
      .split(',')
      .map((d) => DAYS[Number(d)])
      .join(', ');
  return dow;
}

export function describeSchedule(expr: string): string {
  const text = expr.trim();
  if (MACROS[text]) return MACROS[text];
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every) return `every ${every[1]}`;
  let fields = text.split(/\s+/);
  let seconds: string | undefined;
  if (fields.length === 6) {
    seconds = fields[0];
    fields = fields.slice(1);
  }
  if (fields.length !== 5) return 'custom cron';
  const [min, hour, dom, mon, dow] = fields as [string, string, string, string, string];
  const days = dayText(dow);
  const onDays = days ? ` on ${days}` : '';
  const plainDate = dom === '*' || dom === '?';
  if (seconds !== undefined && seconds !== '0') {
    const step = /^\*\/(\d+)$/.exec(seconds);
    if (seconds === '*' && min === '*' && hour === '*' && plainDate && mon === '*')
      return `every second${onDays}`;
    if (step && min === '*' && hour === '*' && plainDate && mon === '*')
      return `every ${step[1]} seconds${onDays}`;
    return 'custom cron';
  }
  if (mon !== '*' || !plainDate) {
    if (isNum(min) && isNum(hour) && isNum(dom) && mon === '*')
      return `at ${pad(hour)}:${pad(min)} on day ${dom} of the month`;
    return 'custom cron';
  }
  if (min === '*' && hour === '*') return `every minute${onDays}`;
  const minStep = /^\*\/(\d+)$/.exec(min);
  if (minStep && hour === '*') return `every ${minStep[1]} minutes${onDays}`;
  if (isNum(min) && hour === '*') return `every hour at minute ${min}${onDays}`;
  const hourStep = /^\*\/(\d+)$/.exec(hour);
  if (isNum(min) && hourStep) return `every ${hourStep[1]} hours at minute ${min}${onDays}`;
  if (isNum(min) && isNum(hour)) return `at ${pad(hour)}:${pad(min)}${days ? ` on ${days}` : ' every day'}`;
  if (isNum(min) && /^\d+(,\d+)+$/.test(hour))
    return `at ${hour
      .split(',')
      .map((h) => `${pad(h)}:${pad(min)}`)
      .join(', ')}${days ? ` on ${days}` : ' every day'}`;
  return 'custom cron';
}
