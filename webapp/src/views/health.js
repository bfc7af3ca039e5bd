// The public page: the community's health, from /stats, with its small groups hidden.
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

/** The volume paid each day, as bars: an SVG drawn here, no charting library. */
function dailyChart(days) {
  if (!days.length) return el("p", { id: "daily" }, t("health.nodays"));
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  const width = 600,
    height = 160,
    top = Math.max(...days.map((d) => d.volume), 1);
  const step = width / days.length;
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("id", "daily");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("health.daily"));
  days.forEach((day, i) => {
    const bar = document.createElementNS(NS, "rect");
    const h = Math.max(1, (day.volume / top) * height);
    bar.setAttribute("x", String(i * step + 1));
    bar.setAttribute("y", String(height - h));
    bar.setAttribute("width", String(Math.max(1, step - 2)));
    bar.setAttribute("height", String(h));
    bar.setAttribute("fill", "#1f5f4a");
    const title = document.createElementNS(NS, "title");
    title.textContent = `${day.day}: ${money(day.volume)} (${number(day.transfers)})`;
    bar.append(title);
    svg.append(bar);
  });
  const figure = el(
    "figure",
    {},
    svg,
    el(
      "figcaption",
      {},
      t("health.dailycaption", { first: days[0].day, last: days[days.length - 1].day, top: money(top) }),
    ),
  );
  return figure;
}
