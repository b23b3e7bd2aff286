import { activity, defineActivity, workflow } from "@continuum/core";

class Money {
  constructor(readonly cents: number, readonly currency: string) {}
  add(other: Money): Money {
    return new Money(this.cents + other.cents, this.currency);
  }
}

const book = defineActivity("ledger.book", async (amount: Money) => amount.cents);

export const ledger = workflow("ledger", { version: 1 }, async (cents: number) => activity(book, new Money(cents, "EUR")));
