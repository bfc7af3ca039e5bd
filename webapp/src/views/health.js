// The public page: the community's health, from /stats, with its small groups hidden.
import { barChart } from "../charts.js";
import { el, figures } from "../dom.js";
import { request } from "../gateway.js";
import { money, number, t } from "../i18n.js";

export async function health() {
  const stats = await request("GET", "/stats");
  const kinds = Object.entries(stats.members_by_kind).map(([kind, count]) => [
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
      [t("health.coverage"), coverage === null ? "—" : `${number(coverage * 100, 1)} %`],
      [t("health.velocity"), stats.velocity_30d === null ? "—" : number(stats.velocity_30d, 2)],
      [t("health.fee"), `${number(stats.fee_bps / 100, 2)} %`],
    ]),
    el("h2", {}, t("health.daily")),
    dailyChart(stats.daily),
  ];
}

/** The volume paid each day, as bars. */
function dailyChart(days) {
  if (!days.length) return el("p", { id: "daily" }, t("health.nodays"));
  return barChart({
    id: "daily",
    label: t("health.daily"),
    points: days.map((day) => ({
      label: "",
      value: day.volume,
      title: `${day.day}: ${money(day.volume)} (${number(day.transfers)})`,
    })),
    caption: t("health.dailycaption", {
      first: days[0].day,
      last: days[days.length - 1].day,
      top: money(Math.max(...days.map((d) => d.volume))),
    }),
  });
}
