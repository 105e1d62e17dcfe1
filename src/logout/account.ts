// The Account Durable Object the Worker exports: src/durable/account.ts with back-channel logout delivery, which
// signs tokens and so lives above the storage layer.
import { AccountObject, type DeliveryOutcome, type LogoutDelivery } from "../durable/account";
import { deliverBackchannelLogout } from "./backchannel";

export class Account extends AccountObject {
  protected override deliverLogout(delivery: LogoutDelivery): Promise<DeliveryOutcome> {
    return deliverBackchannelLogout(this.env, delivery);
  }
}
