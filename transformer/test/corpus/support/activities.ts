// Ordinary activity module: may do anything; workflow code only passes these to activity().
import { defineActivity } from "@continuum/core";

export const charge = defineActivity("payments.charge", async (orderId: string, cents: number) => ({ receiptId: `rc_${orderId}`, cents }));
export const refund = defineActivity("payments.refund", async (receiptId: string) => ({ refunded: receiptId }));
export const sendEmail = defineActivity("email.send", async (to: string, subject: string, body: string) => ({ to, subject, size: body.length }));
export const loadUser = defineActivity("users.load", async (userId: string) => ({ id: userId, email: `${userId}@example.com`, plan: "pro" as "free" | "pro" }));
export const reserveStock = defineActivity("inventory.reserve", async (sku: string, qty: number) => ({ sku, qty, ok: qty < 100 }));
export const releaseStock = defineActivity("inventory.release", async (sku: string, qty: number) => ({ sku, qty }));
export const ship = defineActivity("shipping.ship", async (orderId: string, address: string) => ({ trackingId: `trk_${orderId}_${address.length}` }));
export const fetchRates = defineActivity("fx.rates", async (currency: string) => ({ currency, rate: 1.1 }));
export const audit = defineActivity("audit.write", async (entry: { kind: string; id: string }) => entry.id);
export const pageOfUsers = defineActivity("users.page", async (cursor: number) => ({ ids: [`u${cursor}`], next: cursor < 3 ? cursor + 1 : null }));
export const resizeImage = defineActivity("images.resize", async (url: string, width: number) => `${url}?w=${width}`);
