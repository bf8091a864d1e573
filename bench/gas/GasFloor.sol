// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title GasFloor
/// @notice NOT FOR USE: a measuring stick for the gas bench (bench/gas/run.ts). It does only what
/// every `claimMany` of cumulative vouchers must do, with every saving JobEscrow forgoes for
/// safety or clarity: for each voucher one ECDSA recovery (a 64-byte EIP-2098 signature), the
/// job's signer and remaining escrow from one packed slot, the volunteer's cumulative amount per
/// job, and one transfer for the whole batch. No events, no custom errors, no reentrancy guard,
/// no low-s check, no zero-address checks, the volunteer named once per batch. What it costs per
/// voucher is a floor that no escrow of this design can go under.
contract GasFloor {
    struct Job {
        address signer;
        uint96 remaining;
    }

    struct Claim {
        bytes32 jobId;
        uint256 cumulativeAmount;
        uint256 deadline;
        bytes32 r;
        bytes32 vs;
    }

    bytes32 private constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 jobId,address volunteer,uint256 cumulativeAmount,uint256 deadline)");

    IERC20 public immutable token;
    bytes32 public immutable domainSeparator;
    mapping(bytes32 jobId => Job) public jobs;
    mapping(bytes32 jobId => mapping(address volunteer => uint256 amount)) public claimed;

    constructor(IERC20 token_) {
        token = token_;
        domainSeparator = keccak256(
            abi.encode(keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"), block.chainid, address(this))
        );
    }

    function fund(bytes32 jobId, address signer, uint96 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount));
        jobs[jobId] = Job(signer, amount);
    }

    function claimMany(address volunteer, Claim[] calldata claims) external {
        uint256 total;
        for (uint256 i; i < claims.length; ++i) {
            Claim calldata c = claims[i];
            require(block.timestamp <= c.deadline);
            bytes32 digest = keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    domainSeparator,
                    keccak256(abi.encode(VOUCHER_TYPEHASH, c.jobId, volunteer, c.cumulativeAmount, c.deadline))
                )
            );
            bytes32 s = c.vs & bytes32(0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);
            uint8 v = uint8((uint256(c.vs) >> 255) + 27);
            Job storage job = jobs[c.jobId];
            (address signer, uint256 remaining) = (job.signer, job.remaining);
            require(ecrecover(digest, v, c.r, s) == signer);
            uint256 amount = c.cumulativeAmount - claimed[c.jobId][volunteer];
            require(amount <= remaining);
            claimed[c.jobId][volunteer] = c.cumulativeAmount;
            job.remaining = uint96(remaining - amount);
            total += amount;
        }
        require(token.transfer(volunteer, total));
    }
}
