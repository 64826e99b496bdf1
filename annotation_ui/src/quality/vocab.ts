/** Names of quality control's API values (consensus states, methods, review reasons, ...). */
import type { LabelSchema } from "../api/types";
import { hasMessage, t } from "../i18n";
import { labelTitle } from "../work/labels";

export type QualityVocabulary = "state" | "method" | "reason" | "action" | "labelStatus";

/** The translated name; an unknown (newer server) value is shown as-is. */
export function qualityLabel(vocabulary: QualityVocabulary, value: string): string {
  const key = `quality.${vocabulary}.${value}`;
  return hasMessage(key) ? t(key) : value;
}

/** A class as annotators see it: its title, else its name. */
export function className(schema: LabelSchema, name: string): string {
  const def = schema.labels.find((l) => l.name === name);
  return def ? labelTitle(def) : name;
}
