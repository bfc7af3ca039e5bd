// The staff's page: a registrar's and the credit committee's calls to the ledger.
import { getAddress, Interface, isAddress, keccak256, toUtf8Bytes } from "ethers";
import * as clearingAbi from "../generated/clearing.js";
import * as ledgerAbi from "../generated/ledger.js";
import { MEMBER_KINDS } from "../generated/vocabulary.js";
import { el, say, why, type Attribute, type Child } from "../dom.js";
import { api, call, signedIn, type Schemas } from "../gateway.js";
import { parseAmount, t } from "../i18n.js";
import { relayCall } from "../session.js";
import { signInView } from "./account.js";

const STAFF_ABI = new Interface([
  ledgerAbi.admit,
  ledgerAbi.setCreditLine,
  ledgerAbi.freeze,
  ledgerAbi.unfreeze,
  ledgerAbi.exclude,
  ledgerAbi.writeOff,
]);
const CLEARING_ABI = new Interface([clearingAbi.welcome]);

const KINDS = MEMBER_KINDS.slice(0, 2); // individual, business (their ordinals); councils are admitted by a vote

type LedgerInfo = Schemas["LedgerInfo"];

export function staffView(): Child {
  if (!signedIn()) return signInView();
  const field = (id: string, label: string, attributes: Record<string, Attribute> = {}): HTMLElement =>
    el("label", {}, label, el("input", { id, ...attributes }));
  const value = (id: string): string =>
    (document.getElementById(id) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? "";
  const address = (id: string): string => {
    if (!isAddress(value(id))) throw new Error(t("error.address"));
    return getAddress(value(id));
  };
  const amount = (id: string): bigint => {
    const text = value(id);
    const parsed = /^0+([.,]0{1,2})?$/.test(text) ? 0n : parseAmount(text);
    if (parsed === null) throw new Error(t("error.amount"));
    return parsed;
  };
  // `build` gives the calldata (or throws the reason in words); `target` the contract it is for.
  const action = (
    id: string,
    title: string,
    fields: HTMLElement[],
    build: () => string | Promise<string>,
    target: (ledger: LedgerInfo) => string | null | undefined = (ledger) => ledger.ledger,
  ): HTMLElement =>
    el(
      "form",
      {
        id,
        onsubmit: async (event: SubmitEvent) => {
          event.preventDefault();
          // What cannot be undone (an exclusion, a write-off) waits for its box to be ticked.
          const form = event.currentTarget as HTMLFormElement;
          const sure = form.querySelector<HTMLInputElement>("input.sure");
          if (sure && !sure.checked) {
            sure.focus();
            return say(t("staff.sure.first"), true);
          }
          let data: string;
          try {
            data = await build();
          } catch (error) {
            return say(why(error), true);
          }
          // The gateway may not answer (the chain down, a network gone): said, never left unsaid.
          let to: string | null | undefined;
          try {
            to = target(await call(() => api.GET("/ledger")));
          } catch (error) {
            return say(t("pay.refused", { why: why(error) }), true);
          }
          if (!to) return say(t("regions.none"), true); // a welcome, where this region has no clearing
          if (await relayCall(to, data)) say(t("staff.done"));
        },
      },
      el("h2", {}, title),
      ...fields,
      el("button", { type: "submit" }, title),
    );
  return [
    el("h1", {}, t("staff.title")),
    el("p", {}, t("staff.roles")),
    action(
      "admit",
      t("staff.admit"),
      [
        field("admit-address", t("staff.address"), { autocomplete: "off" }),
        el(
          "label",
          {},
          t("staff.kind"),
          el(
            "select",
            { id: "admit-kind" },
            KINDS.map((k, i) => el("option", { value: String(i) }, t(`kind.${k}`))),
          ),
        ),
        field("admit-region", t("staff.region"), { inputmode: "numeric", value: "1" }),
        field("admit-kyc", t("staff.kyc")),
      ],
      () =>
        STAFF_ABI.encodeFunctionData("admit", [
          address("admit-address"),
          Number(value("admit-kind")),
          Number(value("admit-region")),
          keccak256(toUtf8Bytes(value("admit-kyc"))),
        ]),
    ),
    action(
      "line",
      t("staff.line"),
      [
        field("line-address", t("staff.address"), { autocomplete: "off" }),
        field("line-limit", t("account.limit"), { inputmode: "decimal" }),
        field("line-ceiling", t("staff.ceiling"), { inputmode: "decimal" }),
      ],
      () =>
        STAFF_ABI.encodeFunctionData("setCreditLine", [
          address("line-address"),
          amount("line-limit"),
          amount("line-ceiling"),
        ]),
    ),
    ...["freeze", "unfreeze", "exclude", "writeOff"].map((name) =>
      action(
        name,
        t(`staff.${name}`),
        [field(`${name}-address`, t("staff.address"), { autocomplete: "off" }), ...final(name)],
        () =>
          name === "writeOff"
            ? STAFF_ABI.encodeFunctionData(name, [
                address(`${name}-address`),
                keccak256(toUtf8Bytes(`write-off ${address(`${name}-address`)}`)),
              ])
            : STAFF_ABI.encodeFunctionData(name, [address(`${name}-address`)]),
      ),
    ),
    // A member moving in from another region: the registrar welcomes it first, then it moves.
    action(
      "welcome",
      t("staff.welcome"),
      [
        field("welcome-address", t("staff.address"), { autocomplete: "off" }),
        field("welcome-region", t("staff.from"), { inputmode: "numeric" }),
      ],
      async () => {
        const member = address("welcome-address");
        const from = await partnerOf(value("welcome-region"));
        return CLEARING_ABI.encodeFunctionData("welcome", [member, from]);
      },
      (ledger) => ledger.regional_clearing,
    ),
  ];
}

/** The box an irreversible action needs ticked: an exclusion, a write-off. */
function final(name: string): HTMLElement[] {
  if (name !== "exclude" && name !== "writeOff") return [];
  return [
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", class: "sure", id: `${name}-sure` }),
      t(`staff.${name}.sure`),
    ),
  ];
}

/** The clearing of the region numbered `text`, among those this region has a relationship with. */
export async function partnerOf(text: string): Promise<string> {
  const regions = await call(() => api.GET("/regions"));
  const found = regions.relationships.find((r) => String(r.region) === text.trim());
  if (!found) throw new Error(t("error.region", { region: text.trim() }));
  return getAddress(found.partner);
}
