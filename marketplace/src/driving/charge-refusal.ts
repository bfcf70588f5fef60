import { Refusal } from '../refusal.ts'

/** Why a charge cannot start or stop (see Refusal). */
export class ChargeRefusal extends Refusal {}
