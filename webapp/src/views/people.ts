// People: a member's own profile (written here, signed by its key, kept by the gateway) and the
// directory of businesses and councils, public as shops' signs are.
import { getAddress } from "ethers";
import { el, say, why, type Attribute, type Child } from "../dom.js";
import { api, call, GatewayError, signedIn, type Schemas } from "../gateway.js";
import { t } from "../i18n.js";
import { wallet } from "../session.js";
import { signInView } from "./account.js";

/** The lines a member signs for its profile: exactly those the gateway rebuilds (api/profiles.py). */
type Fields = Pick<Schemas["ProfileIn"], "name" | "town" | "categories" | "description" | "hours" | "public">;

export function profileMessage(address: string, chainId: number, p: Fields, signedAt: number): string {
  return [
    "NExT profile",
    `Address: ${getAddress(address)}`,
    `Chain ID: ${chainId}`,
    `Name: ${p.name}`,
    `Town: ${p.town}`,
    `Categories: ${p.categories.join(", ")}`,
    `Description: ${p.description}`,
    `Hours: ${p.hours}`,
    `Public: ${p.public ? "yes" : "no"}`,
    `Signed at: ${signedAt}`,
  ].join("\n");
}

const oneLine = (text: string): string => text.replace(/[\r\n\t]+/g, " ").trim();

export async function profileView(): Promise<Child> {
  if (!signedIn()) return signInView();
  const address = getAddress(wallet().address);
  const [account, current] = await Promise.all([
    call(() => api.GET("/accounts/{address}", { params: { path: { address } } })).catch(() => null),
    call(() => api.GET("/accounts/{address}/profile", { params: { path: { address } } })).catch((error: unknown) => {
      if (error instanceof GatewayError && error.status === 404) return null;
      throw error;
    }),
  ]);
  const individual = account?.kind === "individual";
  const field = (
    id: string,
    label: string,
    value: string | null | undefined,
    attributes: Record<string, Attribute> = {},
  ): HTMLElement => el("label", {}, label, el("input", { id, value: value ?? "", autocomplete: "off", ...attributes }));
  const shown = el(
    "label",
    { class: "check" },
    el("input", { type: "checkbox", id: "profile-public", ...(current?.public ? { checked: "" } : {}) }),
    t("profile.public"),
  );
  const form = el(
    "form",
    {
      id: "profile",
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        const value = (id: string): string =>
          oneLine((document.getElementById(id) as HTMLInputElement | null)?.value ?? "");
        const box = document.getElementById("profile-public") as HTMLInputElement | null;
        const fields: Fields = {
          name: value("profile-name"),
          town: value("profile-town"),
          categories: value("profile-categories")
            .split(",")
            .map((c) => c.trim().toLowerCase())
            .filter(Boolean),
          description: value("profile-description"),
          hours: value("profile-hours"),
          public: individual && (box?.checked ?? false),
        };
        if (!fields.name) return say(t("profile.noname"), true);
        try {
          const ledger = await call(() => api.GET("/ledger"));
          const signedAt = Math.floor(Date.now() / 1000);
          const signature = await wallet().signMessage(profileMessage(address, ledger.chain_id, fields, signedAt));
          const body = { ...fields, signed_at: signedAt, signature };
          await call(() => api.PUT("/accounts/{address}/profile", { params: { path: { address } }, body }));
          say(t("profile.saved"));
        } catch (error) {
          say(t("pay.refused", { why: why(error) }), true);
        }
      },
    },
    field("profile-name", t("profile.name"), current?.name, { maxlength: "80" }),
    ...(individual
      ? [shown]
      : [
          field("profile-town", t("profile.town"), current?.town, { maxlength: "80" }),
          field("profile-categories", t("profile.categories"), current?.categories?.join(", "), { maxlength: "200" }),
          field("profile-description", t("profile.description"), current?.description, { maxlength: "500" }),
          field("profile-hours", t("profile.hours"), current?.hours, { maxlength: "200" }),
        ]),
    el("button", { type: "submit" }, t("profile.save")),
  );
  return [
    el("h1", {}, t("profile.title")),
    el("p", {}, t(individual ? "profile.who.individual" : "profile.who.business")),
    ...(current?.hidden
      ? [el("p", { class: "error" }, t("profile.hidden", { reason: current.hidden_reason ?? "" }))]
      : []),
    form,
  ];
}

export async function directoryView(): Promise<Child> {
  const category = el("input", { id: "dir-category", autocomplete: "off" });
  const town = el("input", { id: "dir-town", autocomplete: "off" });
  const words = el("input", { id: "dir-q", type: "search", autocomplete: "off" });
  const list = el("ul", { id: "directory", class: "cards" });
  const show = async (): Promise<void> => {
    const query: { category?: string; town?: string; q?: string } = {};
    for (const [name, input] of [
      ["category", category],
      ["town", town],
      ["q", words],
    ] as const)
      if (input.value.trim()) query[name] = input.value.trim();
    const page = await call(() => api.GET("/directory", { params: { query } }));
    list.replaceChildren(
      ...(page.items.length
        ? page.items.map((p) =>
            el(
              "li",
              {},
              el("strong", {}, p.name),
              p.town ? ` — ${p.town}` : "",
              p.categories.length ? el("p", { class: "note" }, p.categories.join(", ")) : "",
              p.description ? el("p", {}, p.description) : "",
              p.hours ? el("p", { class: "note" }, p.hours) : "",
              el("a", { href: `#/pay?to=${p.address}` }, t("directory.pay")),
            ),
          )
        : [el("li", {}, t("directory.none"))]),
    );
  };
  const form = el(
    "form",
    {
      class: "filters",
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        await show().catch((error: unknown) => say(why(error), true));
      },
    },
    el("label", {}, t("directory.category"), category),
    el("label", {}, t("directory.town"), town),
    el("label", {}, t("directory.words"), words),
    el("button", { type: "submit" }, t("directory.search")),
  );
  await show();
  return [el("h1", {}, t("directory.title")), el("p", {}, t("directory.about")), form, list];
}
