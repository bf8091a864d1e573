// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title JobEscrow
/// @notice Holds each job's reward deposit and pays volunteers against cumulative EIP-712 vouchers
/// signed by the job's voucher signer (the requester's job host).
/// @dev A voucher says "`volunteer` has earned `cumulativeAmount` in total on `jobId`". The escrow
/// remembers what each volunteer already claimed per job and pays only the difference, so replaying
/// a voucher gains nothing and the newest voucher covers every unit before it. Tokens always go to
/// `voucher.volunteer`, whoever submits the transaction. The EIP-712 domain (name "JobEscrow",
/// version "1", this chain, this contract) is published by `eip712Domain()` (EIP-5267).
/// Reentrancy uses transient storage (EIP-1153, Cancun).
contract JobEscrow is EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The signed claim of a volunteer on one job.
    /// @param jobId The job, as returned by `jobIdOf`.
    /// @param volunteer Who receives the tokens.
    /// @param cumulativeAmount Everything the volunteer earned on this job so far (not a delta).
    /// @param deadline Last timestamp (inclusive) at which the voucher may be claimed.
    struct Voucher {
        bytes32 jobId;
        address volunteer;
        uint256 cumulativeAmount;
        uint256 deadline;
    }

    /// @notice A funded job. Packed in three slots; a claim reads and writes only the second.
    /// @param requester Who funded it; the only one who may top it up or refund it.
    /// @param expiry After `expiry + gracePeriod` the requester may take back what remains.
    /// @param voucherSigner The only key whose vouchers pay out from this job.
    /// @param remaining Tokens still in escrow for this job.
    /// @param resultRoot Root hash of the job's verified results, once recorded (zero before).
    struct Job {
        address requester;
        uint64 expiry;
        address voucherSigner;
        uint96 remaining;
        bytes32 resultRoot;
    }

    /// @notice EIP-712 type hash of `Voucher`.
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 jobId,address volunteer,uint256 cumulativeAmount,uint256 deadline)");

    /// @notice The token every job is funded and paid in. Must move exactly the amount asked (no
    /// fee-on-transfer, no rebasing).
    IERC20 public immutable token;
    /// @notice Seconds after a job's expiry during which volunteers can still claim and the
    /// requester cannot refund.
    uint256 public immutable gracePeriod;

    mapping(bytes32 jobId => Job) private _jobs;

    /// @notice What each volunteer has claimed so far on each job.
    mapping(bytes32 jobId => mapping(address volunteer => uint256 amount)) public claimed;

    /// @notice A job was created and funded.
    /// @param jobId `jobIdOf(manifestHash, requester, nonce)`.
    /// @param requester Who funded it.
    /// @param manifestHash Hash of the job's manifest.
    /// @param nonce The requester's nonce that makes the id unique.
    /// @param voucherSigner The key that signs its vouchers.
    /// @param amount The deposit.
    /// @param expiry When the job ends (refundable `gracePeriod` later).
    event JobCreated(
        bytes32 indexed jobId,
        address indexed requester,
        bytes32 indexed manifestHash,
        uint256 nonce,
        address voucherSigner,
        uint256 amount,
        uint64 expiry
    );
    /// @notice The requester added tokens to a job.
    /// @param jobId The job.
    /// @param amount Tokens added.
    /// @param remaining Tokens in escrow for the job afterwards.
    event JobToppedUp(bytes32 indexed jobId, uint256 amount, uint256 remaining);
    /// @notice A voucher was paid.
    /// @param jobId The job.
    /// @param volunteer Who received the tokens.
    /// @param amount Tokens paid by this claim.
    /// @param cumulativeAmount Everything the volunteer has claimed on the job now.
    event Claimed(bytes32 indexed jobId, address indexed volunteer, uint256 amount, uint256 cumulativeAmount);
    /// @notice The requester took back what remained after expiry plus grace.
    /// @param jobId The job.
    /// @param requester Who received it.
    /// @param amount Tokens returned.
    event Refunded(bytes32 indexed jobId, address indexed requester, uint256 amount);
    /// @notice The root hash of a job's results was recorded.
    /// @param jobId The job.
    /// @param root The root hash.
    /// @param recordedBy The requester or the job's voucher signer.
    event ResultRootRecorded(bytes32 indexed jobId, bytes32 root, address indexed recordedBy);

    /// @notice A job with this id exists already (same manifest, requester and nonce).
    error JobAlreadyExists(bytes32 jobId);
    /// @notice No job has this id.
    error JobNotFound(bytes32 jobId);
    /// @notice A deposit or top-up of zero tokens.
    error ZeroAmount();
    /// @notice The job's escrow would exceed `max` (2^96 - 1) tokens.
    error AmountTooLarge(uint256 amount, uint256 max);
    /// @notice The expiry is not after the current block's timestamp.
    error ExpiryNotInFuture(uint64 expiry);
    /// @notice The voucher signer is the zero address.
    error InvalidVoucherSigner();
    /// @notice Only the job's requester may do this.
    error NotRequester(bytes32 jobId, address caller);
    /// @notice Only the job's requester or voucher signer may record its result root.
    error NotResultRecorder(bytes32 jobId, address caller);
    /// @notice The refund opens at `availableAt` (expiry plus grace period).
    error RefundTooEarly(bytes32 jobId, uint256 availableAt);
    /// @notice The job has no tokens left to refund.
    error NothingToRefund(bytes32 jobId);
    /// @notice The voucher's deadline has passed.
    error VoucherExpired(bytes32 jobId, uint256 deadline);
    /// @notice The voucher names the zero address as volunteer.
    error InvalidVolunteer(bytes32 jobId);
    /// @notice The signature does not come from the job's voucher signer for this contract's
    /// EIP-712 domain (a wrong key, another chain, another contract, or altered fields).
    error UnauthorizedSigner(bytes32 jobId, address recovered);
    /// @notice The voucher's cumulative amount is not above what was already claimed (a replay or an
    /// older voucher).
    error NothingToClaim(bytes32 jobId, address volunteer, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice Paying the voucher needs more than remains in the job's escrow.
    error InsufficientEscrow(bytes32 jobId, uint256 payout, uint256 remaining);
    /// @notice `claimMany` got a different number of vouchers and signatures.
    error LengthMismatch(uint256 vouchers, uint256 signatures);
    /// @notice `claimMany` got no vouchers.
    error EmptyBatch();
    /// @notice A result root of zero.
    error ZeroResultRoot();
    /// @notice The job's result root was recorded already.
    error ResultRootAlreadyRecorded(bytes32 jobId, bytes32 root);

    /// @param token_ The token jobs are funded and paid in.
    /// @param gracePeriod_ Seconds between a job's expiry and the requester's refund.
    constructor(IERC20 token_, uint256 gracePeriod_) EIP712("JobEscrow", "1") {
        token = token_;
        gracePeriod = gracePeriod_;
    }

    /// @notice The id of the job a requester creates with a manifest and a nonce.
    /// @param manifestHash Hash of the job's manifest.
    /// @param requester The requester's address.
    /// @param nonce Any number that makes the id unique for this requester and manifest.
    /// @return jobId `keccak256(abi.encode(manifestHash, requester, nonce))`.
    function jobIdOf(bytes32 manifestHash, address requester, uint256 nonce) public pure returns (bytes32 jobId) {
        return keccak256(abi.encode(manifestHash, requester, nonce));
    }

    /// @notice Creates a job and pulls its deposit from the caller (approve the escrow first).
    /// @param manifestHash Hash of the job's manifest.
    /// @param nonce Makes the id unique; the id is `jobIdOf(manifestHash, msg.sender, nonce)`.
    /// @param amount Deposit, at most 2^96 - 1.
    /// @param expiry Timestamp after which the job ends; must be in the future.
    /// @param voucherSigner The key whose vouchers pay out from this job.
    /// @return jobId The new job's id.
    function createJob(
        bytes32 manifestHash,
        uint256 nonce,
        uint256 amount,
        uint64 expiry,
        address voucherSigner
    ) external nonReentrant returns (bytes32 jobId) {
        jobId = _openJob(manifestHash, nonce, amount, expiry, voucherSigner);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice `createJob` with an EIP-2612 permit for exactly `amount`, in one transaction.
    /// @dev A permit is public once in the mempool; if someone submits it first, ours reverts
    /// although the allowance is in place. The failure is ignored and the transfer decides.
    /// @param manifestHash Hash of the job's manifest.
    /// @param nonce Makes the id unique.
    /// @param amount Deposit, and the permit's value.
    /// @param expiry Timestamp after which the job ends.
    /// @param voucherSigner The key whose vouchers pay out from this job.
    /// @param permitDeadline The permit's deadline.
    /// @param v The permit signature's v.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return jobId The new job's id.
    function createJobWithPermit(
        bytes32 manifestHash,
        uint256 nonce,
        uint256 amount,
        uint64 expiry,
        address voucherSigner,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (bytes32 jobId) {
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {} catch {}
        jobId = _openJob(manifestHash, nonce, amount, expiry, voucherSigner);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Adds tokens to a job's escrow. Requester only.
    /// @param jobId The job.
    /// @param amount Tokens to add (approve the escrow first).
    function topUp(bytes32 jobId, uint256 amount) external nonReentrant {
        Job storage job = _jobs[jobId];
        _requireRequester(jobId, job);
        if (amount == 0) revert ZeroAmount();
        uint256 total = uint256(job.remaining) + amount;
        if (total > type(uint96).max) revert AmountTooLarge(total, type(uint96).max);
        job.remaining = uint96(total);
        emit JobToppedUp(jobId, amount, total);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Pays `voucher.volunteer` what the voucher adds to what they already claimed.
    /// Anyone may submit it; the tokens go to the volunteer.
    /// @param voucher The voucher.
    /// @param signature The job's voucher signer's 65-byte EIP-712 signature of it (low s).
    /// @return amount Tokens paid.
    function claim(Voucher calldata voucher, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 amount)
    {
        amount = _settle(voucher, signature);
        token.safeTransfer(voucher.volunteer, amount);
    }

    /// @notice Pays many vouchers (any jobs, any volunteers) in one transaction; all or nothing.
    /// @dev Consecutive vouchers for the same volunteer are paid with one transfer, so sort them by
    /// volunteer. Every voucher is checked and recorded before the first transfer. A refused voucher
    /// reverts the batch with its own error, which names its job: simulate, drop it, resubmit.
    /// @param vouchers The vouchers.
    /// @param signatures Their signatures, in the same order.
    /// @return total Tokens paid in all.
    function claimMany(Voucher[] calldata vouchers, bytes[] calldata signatures)
        external
        nonReentrant
        returns (uint256 total)
    {
        uint256 count = vouchers.length;
        if (count != signatures.length) revert LengthMismatch(count, signatures.length);
        if (count == 0) revert EmptyBatch();
        address[] memory payees = new address[](count);
        uint256[] memory amounts = new uint256[](count);
        uint256 payeeCount;
        for (uint256 i; i < count; ++i) {
            Voucher calldata voucher = vouchers[i];
            uint256 amount = _settle(voucher, signatures[i]);
            total += amount;
            if (payeeCount != 0 && payees[payeeCount - 1] == voucher.volunteer) {
                amounts[payeeCount - 1] += amount;
            } else {
                payees[payeeCount] = voucher.volunteer;
                amounts[payeeCount] = amount;
                ++payeeCount;
            }
        }
        for (uint256 i; i < payeeCount; ++i) {
            token.safeTransfer(payees[i], amounts[i]);
        }
    }

    /// @notice Returns what remains of a job's escrow to its requester, once `expiry + gracePeriod`
    /// has passed. Vouchers of the job pay nothing afterwards.
    /// @param jobId The job.
    /// @return amount Tokens returned.
    function refund(bytes32 jobId) external nonReentrant returns (uint256 amount) {
        Job storage job = _jobs[jobId];
        _requireRequester(jobId, job);
        uint256 availableAt = uint256(job.expiry) + gracePeriod;
        if (block.timestamp < availableAt) revert RefundTooEarly(jobId, availableAt);
        amount = job.remaining;
        if (amount == 0) revert NothingToRefund(jobId);
        job.remaining = 0;
        emit Refunded(jobId, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Records the root hash of a completed job's verified results, once.
    /// @param jobId The job.
    /// @param root The root hash (not zero).
    function recordResultRoot(bytes32 jobId, bytes32 root) external {
        Job storage job = _jobs[jobId];
        if (job.requester == address(0)) revert JobNotFound(jobId);
        if (msg.sender != job.requester && msg.sender != job.voucherSigner) {
            revert NotResultRecorder(jobId, msg.sender);
        }
        if (root == bytes32(0)) revert ZeroResultRoot();
        bytes32 existing = job.resultRoot;
        if (existing != bytes32(0)) revert ResultRootAlreadyRecorded(jobId, existing);
        job.resultRoot = root;
        emit ResultRootRecorded(jobId, root, msg.sender);
    }

    /// @notice Tokens still in escrow for a job (0 for an unknown job).
    /// @param jobId The job.
    /// @return The remaining amount.
    function remaining(bytes32 jobId) external view returns (uint256) {
        return _jobs[jobId].remaining;
    }

    /// @notice Everything stored about a job (all zero for an unknown job).
    /// @param jobId The job.
    /// @return The job.
    function jobs(bytes32 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @notice The EIP-712 digest the voucher signer signs for `voucher` on this chain and contract.
    /// @param voucher The voucher.
    /// @return The digest.
    function voucherDigest(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, voucher)));
    }

    function _openJob(
        bytes32 manifestHash,
        uint256 nonce,
        uint256 amount,
        uint64 expiry,
        address voucherSigner
    ) private returns (bytes32 jobId) {
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint96).max) revert AmountTooLarge(amount, type(uint96).max);
        if (expiry <= block.timestamp) revert ExpiryNotInFuture(expiry);
        if (voucherSigner == address(0)) revert InvalidVoucherSigner();
        jobId = jobIdOf(manifestHash, msg.sender, nonce);
        Job storage job = _jobs[jobId];
        if (job.requester != address(0)) revert JobAlreadyExists(jobId);
        job.requester = msg.sender;
        job.expiry = expiry;
        job.voucherSigner = voucherSigner;
        job.remaining = uint96(amount);
        emit JobCreated(jobId, msg.sender, manifestHash, nonce, voucherSigner, amount, expiry);
    }

    /// @dev Checks a voucher and records its payment (effects only; the caller transfers).
    function _settle(Voucher calldata voucher, bytes calldata signature) private returns (uint256 amount) {
        bytes32 jobId = voucher.jobId;
        if (block.timestamp > voucher.deadline) revert VoucherExpired(jobId, voucher.deadline);
        address volunteer = voucher.volunteer;
        if (volunteer == address(0)) revert InvalidVolunteer(jobId);
        Job storage job = _jobs[jobId];
        address signer = job.voucherSigner;
        uint256 available = job.remaining;
        if (signer == address(0)) revert JobNotFound(jobId);
        address recovered = ECDSA.recoverCalldata(voucherDigest(voucher), signature);
        if (recovered != signer) revert UnauthorizedSigner(jobId, recovered);
        uint256 cumulative = voucher.cumulativeAmount;
        uint256 already = claimed[jobId][volunteer];
        if (cumulative <= already) revert NothingToClaim(jobId, volunteer, cumulative, already);
        amount = cumulative - already;
        if (amount > available) revert InsufficientEscrow(jobId, amount, available);
        claimed[jobId][volunteer] = cumulative;
        job.remaining = uint96(available - amount);
        emit Claimed(jobId, volunteer, amount, cumulative);
    }

    function _requireRequester(bytes32 jobId, Job storage job) private view {
        address requester = job.requester;
        if (requester == address(0)) revert JobNotFound(jobId);
        if (msg.sender != requester) revert NotRequester(jobId, msg.sender);
    }
}
