// The economics page: how the money circulates, month by month, from /economy and
// /economy/multipliers, for the whole community, a region or a kind of member. Public, with the
// small groups left out of every sum (the page says how many).
import { barChart } from "../charts.js";
import { MEMBER_KINDS } from "../generated/vocabulary.js";
import { el, figures, type Child } from "../dom.js";
import { api, call, type Schemas } from "../gateway.js";
import { dayName, money, monthName, number, percent, t } from "../i18n.js";

const KINDS = MEMBER_KINDS;
type Month = Schemas["Month"];
type Kind = Schemas["MemberKind"];
type Filters = { region: string; kind: string };

function share(value: number | null): string {
  return value === null ? "—" : percent(value, 1);
}

function ratio(value: number | null): string {
  return value === null ? "—" : number(value, 2);
}

/** The filters, read from and written to the address (#/economy?region=1&kind=business). */
function filters(): Filters {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  return { region: params.get("region") || "", kind: params.get("kind") || "" };
}

function filterForm(current: Filters): HTMLElement {
  const region = el("input", {
    id: "economy-region",
    type: "number",
    min: "0",
    max: "65535",
    inputmode: "numeric",
    value: current.region,
  });
  const kind = el(
    "select",
    { id: "economy-kind" },
    el("option", { value: "" }, t("economy.allkinds")),
    KINDS.map((k) => el("option", k === current.kind ? { value: k, selected: "" } : { value: k }, t(`kind.${k}`))),
  );
  return el(
    "form",
    {
      class: "filters",
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const params = new URLSearchParams();
        if (region.value !== "") params.set("region", region.value);
        if (kind.value) params.set("kind", kind.value);
        location.hash = `#/economy${params.size ? `?${params}` : ""}`;
      },
    },
    el("label", { for: "economy-region" }, t("economy.region")),
    region,
    el("label", { for: "economy-kind" }, t("economy.kind")),
    kind,
    el("button", { type: "submit" }, t("economy.show")),
  );
}

function monthChart(
  id: string,
  months: Month[],
  value: (month: Month) => number | null,
  format: (value: number | null) => string,
  label: string,
  max?: number,
): HTMLElement {
  const values = months.map(value).filter((v): v is number => v !== null);
  return barChart({
    id,
    label,
    max,
    axis: values.length ? format(max ?? Math.max(...values)) : "",
    points: months.map((m) => ({
      label: monthName(m.period, "short"),
      value: value(m),
      text: value(m) === null ? "" : format(value(m)),
      title: `${monthName(m.period)} : ${format(value(m))}`,
    })),
    caption: label,
  });
}

function monthsTable(months: Month[]): HTMLElement {
  const head = ["period", "members", "dormant", "volume", "velocity", "respent", "cycles"];
  return el(
    "table",
    { id: "economy-months" },
    el("caption", {}, t("economy.table")),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        head.map((h) => el("th", { scope: "col" }, t(`economy.col.${h}`))),
      ),
    ),
    el(
      "tbody",
      {},
      months.map((m) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, monthName(m.period)),
          el("td", {}, number(m.members)),
          el("td", {}, number(m.dormant)),
          el("td", {}, money(m.volume)),
          el("td", {}, ratio(m.velocity)),
          el("td", {}, share(m.respent_share) + (m.respent_final || m.respent_share === null ? "" : " *")),
          el("td", {}, m.cycles_computed ? share(m.cycles_share) : t("economy.pending")),
        ),
      ),
    ),
  );
}

/** A bonus run by its number; a stimulus by its scope and end ("2|business|2027-03-31", "*": all). */
function injectionName(injection: Schemas["Multiplier"]): string {
  if (injection.source !== "stimulus" || !injection.label.includes("|"))
    return t(`economy.source.${injection.source}`, { label: injection.label });
  const [region, kind, end] = injection.label.split("|");
  return t("economy.source.stimulusscope", {
    region: region === "*" ? t("economy.allregions") : t("economy.oneregion", { region }),
    kind: kind === "*" ? t("economy.allkinds") : t(`kind.${kind}`),
    end: dayName(end),
  });
}

function multipliersTable(runs: Schemas["Multipliers"]): HTMLElement {
  if (!runs.injections.length) return el("p", { id: "economy-multipliers" }, t("economy.nomultipliers"));
  return el(
    "table",
    { id: "economy-multipliers" },
    el("caption", {}, t("economy.multipliers")),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ["source", "since", "injected", "turnover", "multiplier"].map((h) =>
          el("th", { scope: "col" }, t(`economy.col.${h}`)),
        ),
      ),
    ),
    el(
      "tbody",
      {},
      runs.injections.map((i) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, injectionName(i)),
          el("td", {}, dayName(i.first_day)),
          el("td", {}, money(i.injected)),
          el("td", {}, money(i.turnover)),
          el("td", {}, ratio(i.multiplier)),
        ),
      ),
    ),
  );
}

export async function economyView(): Promise<Child> {
  const current = filters();
  const query: { months: number; region?: number; kind?: Kind } = { months: 12 };
  if (current.region) query.region = Number(current.region);
  if ((KINDS as readonly string[]).includes(current.kind)) query.kind = current.kind as Kind;
  const [economy, runs] = await Promise.all([
    call(() => api.GET("/economy", { params: { query } })),
    call(() => api.GET("/economy/multipliers")),
  ]);
  const months = economy.series.length ? economy.series[0].months : [];
  const last = months[months.length - 1];
  const parts: Child[] = [el("h1", {}, t("economy.title")), el("p", {}, t("economy.intro")), filterForm(current)];
  if (!last) {
    parts.push(el("p", { id: "economy-empty" }, t("economy.empty")));
  } else {
    parts.push(
      el("h2", {}, t("economy.month", { period: monthName(last.period) })),
      figures([
        [t("economy.col.velocity"), ratio(last.velocity)],
        [t("economy.col.respent"), share(last.respent_share)],
        [t("economy.col.cycles"), last.cycles_computed ? share(last.cycles_share) : t("economy.pending")],
        [t("economy.col.dormant"), `${number(last.dormant)} / ${number(last.members)}`],
      ]),
      el(
        "div",
        { class: "charts" },
        monthChart("economy-velocity", months, (m) => m.velocity, ratio, t("economy.chart.velocity")),
        monthChart("economy-respent", months, (m) => m.respent_share, share, t("economy.chart.respent"), 1),
        monthChart("economy-cycles", months, (m) => m.cycles_share, share, t("economy.chart.cycles"), 1),
      ),
      monthsTable(months),
      el("p", { class: "note" }, t("figure.volume.define")),
      el("p", { class: "note" }, t("figure.velocity.define.month")),
      el("p", { class: "note" }, t("economy.respentnote")),
    );
  }
  if (economy.hidden_cells) parts.push(el("p", { class: "note" }, t("economy.hidden", { n: economy.hidden_cells })));
  parts.push(
    el("h2", {}, t("economy.multipliers")),
    el("p", {}, t("economy.multipliersintro")),
    multipliersTable(runs),
  );
  if (runs.hidden) parts.push(el("p", { class: "note" }, t("economy.hiddenruns", { n: runs.hidden })));
  return parts;
}
