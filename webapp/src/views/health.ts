// The public page: the community's health, from /stats, with its small groups hidden.
import { barChart } from "../charts.js";
import { el, figures, type Child } from "../dom.js";
import { api, call, type Schemas } from "../gateway.js";
import { dayName, money, number, percent, t } from "../i18n.js";

export async function health(): Promise<Child> {
  const stats = await call(() => api.GET("/stats"));
  const kinds = Object.entries(stats.members_by_kind).map(([kind, count]): [string, string] => [
    `${t("health.members")} — ${t(`kind.${kind}`)}`,
    count === null ? t("health.hidden") : number(count),
  ]);
  const coverage = stats.coverage_ratio;
  return [
    el("h1", {}, t("health.title")),
    figures([
      ...kinds,
      [t("health.circulation"), money(stats.circulation)],
      [t("health.credit"), money(stats.credit_in_use)],
      [t("health.reserve"), money(stats.reserve)],
      [t("health.coverage"), coverage === null ? "—" : percent(coverage, 1)],
      [t("health.velocity"), stats.velocity_30d === null ? "—" : number(stats.velocity_30d, 2)],
      [t("health.fee"), percent(stats.fee_bps / 10000)],
    ]),
    el("p", { class: "note" }, t("figure.velocity.define.30d")),
    el("h2", {}, t("health.daily")),
    dailyChart(stats.daily),
    el("p", { class: "note" }, t("figure.volume.define")),
  ];
}

/** The volume paid each day, as bars. */
function dailyChart(days: Schemas["DailyActivity"][]): HTMLElement {
  if (!days.length) return el("p", { id: "daily" }, t("health.nodays"));
  return barChart({
    id: "daily",
    label: t("health.daily"),
    axis: money(Math.max(...days.map((d) => d.volume))),
    points: days.map((day) => ({
      label: dayName(day.day, "short"),
      value: day.volume,
      title: `${dayName(day.day)} : ${money(day.volume)} (${t("health.payments", { n: number(day.transfers) })})`,
    })),
    caption: t("health.dailycaption", {
      first: dayName(days[0].day),
      last: dayName(days[days.length - 1].day),
      top: money(Math.max(...days.map((d) => d.volume))),
    }),
  });
}
